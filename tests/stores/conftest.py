"""Fixtures for the durable stores: a SQLite file per test and a throwaway PostgreSQL cluster.

The cluster (see ``_pgcluster``) is made with the server's own ``initdb`` and ``pg_ctl`` in a
temporary directory, listens only on a unix socket there, and is removed at the end of the
session.  Without server binaries the PostgreSQL tests skip, except when ``CI`` is
set: there a missing server is a failure, so a green CI run means they really ran.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

from . import _pgcluster
from ._pgcluster import PgServer


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: pip install -e '.[postgres]'")
    try:
        server = _pgcluster.start()
    except _pgcluster.ClusterUnavailable as exc:
        _unavailable(str(exc))
        raise AssertionError("unreachable") from exc  # pragma: no cover
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_database(pg_server: PgServer) -> str:
    import psycopg

    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(b"CREATE DATABASE stores")
    return pg_server.dsn("stores")


@pytest.fixture
def pg_dsn(pg_database: str) -> str:
    """The test database with none of the stores' tables: each test starts from nothing.

    Dropping four tables is much cheaper than creating a database per test.
    """
    import psycopg

    with psycopg.connect(pg_database, autocommit=True) as admin:
        admin.execute(
            b"DROP TABLE IF EXISTS spec_kitty_meta, spec_kitty_events, spec_kitty_clocks, "
            b"spec_kitty_errors"
        )
    return pg_database


@dataclass
class Backend:
    """Opens the three adapters of one backend on one database, and closes them afterwards."""

    name: str
    target: str
    _opened: List[Any] = field(default_factory=list)

    def _open(self, kind: str, **options: Any) -> Any:
        if self.name == "sqlite":
            from spec_kitty_events.stores import sqlite as module
        else:
            from spec_kitty_events.stores import postgres as module  # type: ignore[no-redef]
        factory: Callable[..., Any] = getattr(module, f"{self._prefix}{kind}")
        if self.name == "sqlite":
            # Survives killed processes, which is all these tests do; syncing to the disk on
            # every commit would only make them slow on a busy machine.
            options.setdefault("synchronous", "NORMAL")
        store = factory(self.target, **options)
        self._opened.append(store)
        return store

    @property
    def _prefix(self) -> str:
        return "SQLite" if self.name == "sqlite" else "Postgres"

    def events(self, **options: Any) -> Any:
        return self._open("EventStore", **options)

    def clocks(self, **options: Any) -> Any:
        return self._open("ClockStorage", **options)

    def errors(self, max_entries: int = 100, **options: Any) -> Any:
        return self._open("ErrorStorage", max_entries=max_entries, **options)

    def close_all(self) -> None:
        for store in self._opened:
            store.close()


def open_backend(request: pytest.FixtureRequest, name: str, tmp_path: Path) -> Backend:
    if name == "sqlite":
        return Backend(name, str(tmp_path / "events.db"))
    return Backend(name, request.getfixturevalue("pg_dsn"))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opened = open_backend(request, request.param, tmp_path)
    yield opened
    opened.close_all()
