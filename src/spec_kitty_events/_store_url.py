"""Opening an event store from a URL given on the command line.

``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` open a SQLite file (the
default store); ``postgresql://...`` or ``postgres://...`` open a PostgreSQL database (needs the
``postgres`` extra).  Anything else is a usage error that lists the accepted forms, and so is
``sqlite:///:memory:``: a database that vanishes when the command ends stores nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Union

from spec_kitty_events.stores.sqlite import SQLiteEventStore

if TYPE_CHECKING:
    from spec_kitty_events.stores.postgres import PostgresEventStore

DEFAULT_STORE_URL = "sqlite:///spec-kitty-events.db"
STORE_ENV = "SPEC_KITTY_EVENTS_STORE"

_SQLITE = "sqlite:///"
_POSTGRES = ("postgresql://", "postgres://")

# psycopg is imported only when a PostgreSQL URL is opened.
OpenedStore = Union["SQLiteEventStore", "PostgresEventStore"]


class StoreURLError(ValueError):
    """A store URL this command line cannot open."""


def default_store_url() -> str:
    return os.environ.get(STORE_ENV) or DEFAULT_STORE_URL


def open_event_store(url: str, *, read_only: bool = False) -> OpenedStore:
    """The event store ``url`` names; raises :class:`StoreURLError` for an unknown form.

    ``read_only`` opens a SQLite file without creating or writing anything, so a store this
    process may only read can be read; a PostgreSQL store is opened as usual.
    """
    if url.startswith(_SQLITE):
        path = url[len(_SQLITE) :]
        if not path:
            raise StoreURLError(f"no file path in store URL {url!r}")
        if path == ":memory:":
            raise StoreURLError(
                f"store URL {url!r} names an in-memory database, which vanishes when the "
                "command ends; give a file path"
            )
        return SQLiteEventStore(path, read_only=read_only)
    if url.startswith(_POSTGRES):
        from spec_kitty_events.stores.postgres import PostgresEventStore

        return PostgresEventStore(url)
    raise StoreURLError(
        f"unsupported store URL {redacted_url(url)!r}: use sqlite:///PATH (relative), "
        "sqlite:////PATH (absolute) or postgresql://..."
    )


def redacted_url(url: str) -> str:
    """The URL without anything that could be a password (``user:secret@``)."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
