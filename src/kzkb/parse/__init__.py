"""One file's bytes -> a Record or a Skipped: safe reading, front matter,
fields, Markdown, and the record built from them."""
