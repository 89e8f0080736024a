"""Identifier spellings: which strings are event ids, and the one canonical form of each.

Shared by the envelope model (``models``) and the fast envelope path (``_envelope``), so that
both canonicalise an id with the same code.
"""

from __future__ import annotations

import re
from itertools import pairwise

UUID_HYPHEN_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)
UUID_BARE_RE = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
# Crockford base32: the digits and the letters except I, L, O and U.  Only the alphabet is
# checked; a first character above "7" (a value wider than 128 bits) is still accepted, as
# 2.4.0 accepts it and producers may already emit such ids.
_ULID_CHARS = "[0-9A-HJKMNP-TV-Z]{26}"
ULID_RE = re.compile(f"^{_ULID_CHARS}$", re.IGNORECASE)
# An id already in its canonical spelling: an upper-case ULID or a lower-case hyphenated UUID.
CANONICAL_ID_RE = re.compile(
    f"{_ULID_CHARS}|[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}"
)

# Published in the JSON schema only; pydantic does not apply it (normalize_event_id does).
EVENT_ID_PATTERN = (
    r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$"
    r"|^[0-9a-fA-F]{32}$"
    r"|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

_ULID_LENGTH = 26
_UUID_HEX_LENGTH = 32
_UUID_HYPHEN_LENGTH = 36
_UUID_GROUP_BOUNDS = (0, 8, 12, 16, 20, 32)


def canonical_identifier(v: object, field: str, *, explain: bool) -> str:
    """The canonical spelling of a ULID or UUID identifier held in ``field``.

    ``explain`` adds a format-specific reason for near-miss 32/36-char values.  The public
    function and the ``event_id`` field keep the 2.4.0 texts exactly, so it is off there.
    """
    if not isinstance(v, str):
        raise ValueError(f"{field} must be a string; got {type(v).__name__}")
    if len(v) == _ULID_LENGTH:
        return _canonical_ulid(v, field)
    if len(v) == _UUID_HYPHEN_LENGTH and UUID_HYPHEN_RE.match(v):
        return v.lower()
    if len(v) == _UUID_HEX_LENGTH and UUID_BARE_RE.match(v):
        return _hyphenate(v.lower())
    raise ValueError(_length_message(v, field, explain=explain))


def _canonical_ulid(v: str, field: str) -> str:
    if not ULID_RE.match(v):
        raise ValueError(
            f"26-char {field} must be valid Crockford base32 "
            f"(chars I, L, O, U are not allowed); got {v!r}"
        )
    return v.upper()


def _hyphenate(hex32: str) -> str:
    return "-".join(hex32[start:end] for start, end in pairwise(_UUID_GROUP_BOUNDS))


def _length_message(v: str, field: str, *, explain: bool) -> str:
    message = (
        f"{field} must be 26-char ULID (Crockford base32), 36-char UUID, "
        f"or 32-char hex UUID; got {len(v)} chars"
    )
    if not explain:
        return message
    if len(v) == _UUID_HYPHEN_LENGTH:
        return message + " (not a hyphenated 8-4-4-4-12 hex UUID)"
    if len(v) == _UUID_HEX_LENGTH:
        return message + " (not 32 hexadecimal digits)"
    return message
