from kzkb.settings.config import (  # noqa: F401
    DEFAULT_KINDS,
    DEFAULT_TAXONOMIES,
    PERMALINK_KINDS,
    Config,
    TermDef,
    load_config,
    open_config,
    parse_config,
)
from kzkb.settings.find import bundled_kb, find_kb  # noqa: F401
from kzkb.settings.hugo import HUGO_DIR, HUGO_FILES, HUGO_TAXONOMIES, hugo_site, read_hugo_config  # noqa: F401
from kzkb.settings.own import CONFIG_NAME, KEYS, PYPROJECT  # noqa: F401
from kzkb.settings.sections import DEFAULT_MAX_FILE_SIZE  # noqa: F401
