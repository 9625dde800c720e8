from kzkb.store.codec import record_from_json, record_to_json  # noqa: F401
from kzkb.store.db import SCHEMA_VERSION, _connect, default_index_path  # noqa: F401
from kzkb.store.index import Index  # noqa: F401
from kzkb.store.prepare import Prepared, _fill  # noqa: F401
from kzkb.store.refresh import Progress, RefreshStats  # noqa: F401
