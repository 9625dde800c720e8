"""Search: what a researcher means, in any of the region's languages and scripts.

query (what was typed) -> facets (words about the result) -> lexicon (the
thesaurus's concepts, the gazetteer's places) -> plan (groups of alternatives,
one per word) -> rank (coverage, then BM25) -> highlight (what matched where).
The index and the stored lexicon are reached through the ports in
search.ports, which the store implements.
"""
