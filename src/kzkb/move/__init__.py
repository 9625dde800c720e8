"""kzkb mv: a record, its translations, a bundle or a section moved, every
link to it rewritten."""
