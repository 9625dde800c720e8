"""export: the KB's records in the formats other tools load (see engine)."""

from kzkb.export.csv import csv_line  # noqa: F401
from kzkb.export.engine import ExportTuning, can_fork, export, format_for  # noqa: F401
from kzkb.export.shapes import Stored, jsonable, record_dict  # noqa: F401
from kzkb.export.toml import toml_string  # noqa: F401
from kzkb.files import atomic_path  # noqa: F401
