from kzkb.hugo.paths import locate, new_translation_path, translation_paths  # noqa: F401
from kzkb.parse.frontmatter import FrontMatterError, split_front_matter  # noqa: F401
from kzkb.parse.html import _html_targets  # noqa: F401
from kzkb.parse.markdown import (  # noqa: F401
    _REF,
    _drop_shortcodes,
    _options,
    _Positions,
    _shortcode_refs,
    plain_text,
    scan_markdown,
)
from kzkb.parse.record import INTERNAL, build_record, load_bytes, load_file, load_kb  # noqa: F401
from kzkb.parse.source import one_line, read_source  # noqa: F401
from kzkb.safe_yaml import ALIAS_BUDGET, MAX_DEPTH, TOO_DEEP, yaml_loader, yaml_problem  # noqa: F401
