"""kzkb.digest is hashlib's BLAKE2b and SHA-1 without OpenSSL's import: the
same digests, or every user's default index path and cache keys would move."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from kzkb.digest import blake2b, sha1


@given(st.binary(max_size=4096), st.integers(1, 64))
def test_blake2b_is_hashlibs(data: bytes, size: int) -> None:
    assert (
        blake2b(data, digest_size=size).hexdigest()
        == hashlib.blake2b(data, digest_size=size).hexdigest()
    )


@given(st.binary(max_size=4096))
def test_sha1_is_hashlibs(data: bytes) -> None:
    assert sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
