"""Opening an event store from a URL given on the command line.

The grammar, in full (docs/cli.md repeats it for users)::

    sqlite:///relative/path.db[?timeout=SECONDS&synchronous=FULL|NORMAL]
    sqlite:////absolute/path.db[?...]
    postgresql://[user[:password]@]host[:port]/dbname[?libpq options]
    postgres://...            postgresql+psycopg://...   (the same, as SQLAlchemy spells it)

A SQLite query names options of :class:`SQLiteEventStore`; any other name is an error, so a typo
never becomes part of a file name.  A PostgreSQL query goes to libpq as it is (``sslmode``,
``connect_timeout``, ...).  ``sqlite:///:memory:`` is refused: a database that vanishes when the
command ends stores nothing.  A password, in the user part or as ``?password=``, is never printed:
every message shows :func:`redacted_url`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, List, Tuple, TypedDict, Union
from urllib.parse import parse_qsl, unquote

from spec_kitty_events.stores.sqlite import SQLiteEventStore, Synchronous

if TYPE_CHECKING:
    from spec_kitty_events.stores.postgres import PostgresEventStore

DEFAULT_STORE_URL = "sqlite:///spec-kitty-events.db"
STORE_ENV = "SPEC_KITTY_EVENTS_STORE"

_SQLITE = "sqlite:///"
_POSTGRES = ("postgresql://", "postgres://", "postgresql+psycopg://")
# Query keys whose values are secrets, wherever they appear.
_SECRET_KEYS = frozenset({"password", "passwd", "pass"})

# psycopg is imported only when a PostgreSQL URL is opened.
OpenedStore = Union["SQLiteEventStore", "PostgresEventStore"]


class _SQLiteOptions(TypedDict, total=False):
    timeout: float
    synchronous: Synchronous


class StoreURLError(ValueError):
    """A store URL this command line cannot open."""


def default_store_url() -> str:
    return os.environ.get(STORE_ENV) or DEFAULT_STORE_URL


def open_event_store(url: str, *, read_only: bool = False) -> OpenedStore:
    """The event store ``url`` names; raises :class:`StoreURLError` for a URL it cannot open.

    ``read_only`` opens a SQLite file without creating or writing anything, so a store this
    process may only read can be read; a PostgreSQL store is opened as usual.
    """
    if url.startswith(_SQLITE):
        path, options = _sqlite_parts(url)
        return SQLiteEventStore(path, read_only=read_only, **options)
    for prefix in _POSTGRES:
        if url.startswith(prefix):
            from spec_kitty_events.stores.postgres import PostgresEventStore

            # libpq knows postgresql:// and postgres://; the +psycopg driver tag is SQLAlchemy's.
            return PostgresEventStore("postgresql://" + url[len(prefix) :])
    raise StoreURLError(
        f"unsupported store URL {redacted_url(url)!r}: use sqlite:///PATH (relative), "
        "sqlite:////PATH (absolute) or postgresql://..."
    )


def _sqlite_parts(url: str) -> Tuple[str, _SQLiteOptions]:
    """The file path (percent-decoded) and the store options of a SQLite URL."""
    rest = url[len(_SQLITE) :]
    path, _, query = rest.partition("?")
    path = unquote(path)
    if not path:
        raise StoreURLError(f"no file path in store URL {redacted_url(url)!r}")
    if path == ":memory:":
        raise StoreURLError(
            f"store URL {redacted_url(url)!r} names an in-memory database, which vanishes when "
            "the command ends; give a file path"
        )
    options: _SQLiteOptions = {}
    for key, value in _query_pairs(url, query):
        if key == "timeout":
            options["timeout"] = _seconds(url, value)
        elif key == "synchronous" and value.upper() == "FULL":
            options["synchronous"] = "FULL"
        elif key == "synchronous" and value.upper() == "NORMAL":
            options["synchronous"] = "NORMAL"
        elif key == "synchronous":
            raise StoreURLError(
                f"store URL {redacted_url(url)!r}: synchronous must be FULL or NORMAL, "
                f"not {value!r}"
            )
        else:
            raise StoreURLError(
                f"store URL {redacted_url(url)!r}: unknown SQLite option {key!r} "
                "(known: timeout, synchronous)"
            )
    return path, options


def _query_pairs(url: str, query: str) -> List[Tuple[str, str]]:
    try:
        return parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise StoreURLError(f"store URL {redacted_url(url)!r}: malformed query") from None


def _seconds(url: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise StoreURLError(
            f"store URL {redacted_url(url)!r}: timeout must be a number of seconds, not {value!r}"
        )
    return seconds


def redacted_url(url: str) -> str:
    """The URL with every password replaced by ``***``: the ``user:secret@`` part (the whole
    user part, as a user name can be a token too) and any ``password=`` query value."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest, qmark, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    if qmark:
        query = "&".join(_redacted_pair(pair) for pair in query.split("&"))
    return f"{scheme}://{authority}{slash}{path}{qmark}{query}"


def _redacted_pair(pair: str) -> str:
    key, eq, _ = pair.partition("=")
    if eq and unquote(key).strip().lower() in _SECRET_KEYS:
        return f"{key}=***"
    return pair
