from kzkb.hugo.links import MARKDOWN_SUFFIXES, bare_host, fragment_of, link_key  # noqa: F401
