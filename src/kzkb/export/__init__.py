"""export: the KB's records in the formats other tools load.

engine (export: pick the writer, write atomically, in parallel for large
KBs) over one writer per format (json, csv, toml, markdown, sqlite) and the
record shapes they share (shapes).
"""
