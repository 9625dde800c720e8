from kzkb.listing.scan import (  # noqa: F401
    MARKDOWN_SUFFIXES,
    PARALLEL_SCAN_FROM,
    _needs_escape,
    _unescape,
    fingerprint,
    name_key,
    name_problem,
    scan,
)
