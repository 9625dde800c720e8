"""The SQLite store behind every query: the only package that imports sqlite3.

db (the file: open, create, replace, wait), codec (a Record as JSON),
prepare (one file's rows, built in a worker), refresh (bring the index up to
date), records, links and fulltext (the queries), index (the object that ties
one connection to them).
"""
