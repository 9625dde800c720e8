"""The KB's settings: where the KB is, what kzkb.toml, pyproject.toml and
Hugo's configuration say, read once into a Config of typed sections.

find (where the KB is) -> formats (one settings file as a table) -> own
(kzkb.toml, [tool.kzkb]) and hugo (Hugo's configuration) -> sections (typed,
validated tables) and terms (taxonomy names, vocabulary, concepts) -> config
(Config, load_config). Only this package reads the raw tables.
"""
