"""kzkb lsp: a Language Server Protocol server for a KB's Markdown files
(see server.py), imported only by the `kzkb lsp` command."""
