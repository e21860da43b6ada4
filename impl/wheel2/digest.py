"""The ``RECORD`` hash: which algorithms are allowed, and how a digest is written.

Binary distribution format: "The hash algorithm must be sha256 or better; specifically, md5
and sha1 are not permitted"; recording installed projects: the hash is "the name of a hash
algorithm from hashlib.algorithms_guaranteed, followed by the equals character ``=`` and the
digest of the file's contents, encoded with the urlsafe-base64-nopad encoding".
"""

from __future__ import annotations

import base64
import hashlib

from wheelnext.errors import UnsafeArtifact

#: md5 and sha1 are refused; anything outside ``hashlib.algorithms_guaranteed`` too.
WEAK_HASHES = frozenset({"md5", "sha1"})


def allowed(algorithm: str) -> bool:
    """Whether ``RECORD`` may use *algorithm*."""
    return algorithm not in WEAK_HASHES and algorithm in hashlib.algorithms_guaranteed


def check_algorithm(algorithm: str, where: str) -> None:
    """Raise :class:`UnsafeArtifact` naming *where* unless ``RECORD`` may use *algorithm*."""
    if not allowed(algorithm):
        raise UnsafeArtifact(f"{where}: hash {algorithm!r} is not allowed (sha256 or stronger)")


def encode(digest: bytes) -> str:
    """*digest* in urlsafe base64 without padding, as ``RECORD`` writes it."""
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def digest_of(algorithm: str, data: bytes) -> str:
    """The encoded *algorithm* digest of *data* (the part after ``=``)."""
    return encode(hashlib.new(algorithm, data).digest())


def record_hash(data: bytes) -> str:
    """``sha256=`` plus the encoded digest of *data*: a ``RECORD`` hash field."""
    return "sha256=" + digest_of("sha256", data)
