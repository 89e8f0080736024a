"""Store URLs for the runner tests: a SQLite file, or the throwaway PostgreSQL cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..stores.conftest import pg_database, pg_server

__all__ = ["pg_database", "pg_server"]

TABLES = (
    "spec_kitty_meta",
    "spec_kitty_events",
    "spec_kitty_clocks",
    "spec_kitty_errors",
    "spec_kitty_checkpoints",
)


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The test database, as a store URL, without any of our tables, checkpoints included."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    with psycopg.connect(pg_database, autocommit=True) as admin:
        admin.execute(f"DROP TABLE IF EXISTS {', '.join(TABLES)}".encode())
    params = conninfo_to_dict(pg_database)
    return f"postgresql://{params['user']}@/{params['dbname']}?host={params['host']}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
