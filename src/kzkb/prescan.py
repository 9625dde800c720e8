from kzkb.listing.prescan import INDEX_COMMANDS, Pending, _kb_argument, running, start, take  # noqa: F401
from kzkb.listing.protocol import read_header  # noqa: F401
