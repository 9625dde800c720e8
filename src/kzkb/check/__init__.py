"""Link checking: internal links as Hugo serves them, and external ones fetched.

This package took the place of the old kzkb/check.py, so the names imported
from kzkb.check are re-exported here, one line per module.
"""

from kzkb.check.internal import check_links  # noqa: F401
from kzkb.check.report import CheckOptions, LinkFinding, LinkReport  # noqa: F401
from kzkb.check.weblinks import check_external  # noqa: F401
