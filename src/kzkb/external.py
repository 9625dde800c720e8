from kzkb.check.external import check_urls  # noqa: F401
from kzkb.check.guard import is_private_address  # noqa: F401
from kzkb.check.report import UrlResult  # noqa: F401

# COMPAT(r14): kzkb.external._retry_after -> kzkb.check.retry.retry_after
from kzkb.check.retry import retry_after as _retry_after  # noqa: F401
