from kzkb.listing.client import (  # noqa: F401
    CONNECT_TIMEOUT,
    REFUSED_FOR,
    WATCH_FROM,
    Answer,
    connect,
    refused,
    running,
    setting,
    start,
    status,
    stop,
)
from kzkb.listing.daemon import (  # noqa: F401
    HISTORY,
    IDLE_SECONDS,
    LOCAL_FILE_SYSTEMS,
    Watch,
    file_system_type,
    serve,
)
from kzkb.listing.protocol import PROTOCOL, socket_path  # noqa: F401
