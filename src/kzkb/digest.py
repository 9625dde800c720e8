"""BLAKE2b and SHA-1, which kzkb uses for the keys of its index and caches.

Taken from CPython's own _blake2 and _sha1 modules, which hashlib wraps: importing
hashlib also loads OpenSSL (about 4 ms), a cost every command paid at
start-up for a hash OpenSSL does not provide here. The digests are the same.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
    from _sha1 import sha1
except ImportError:  # an interpreter built without them: hashlib has both
    from hashlib import blake2b, sha1

__all__ = ["blake2b", "sha1"]
