"""Whole-store reads go page by page: no statement asks either database for every row at once.

A spy at the driver (SQLite's trace callback, psycopg's ``Connection.execute``) records every
statement the library sends, so the test sees what really reaches the database.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from click.testing import CliRunner

from spec_kitty_events.cli import main
from tests.factory import make_event
from tests.parity.helpers import INDEXED, indexed

from .conftest import Backend

# A statement that returns stored event bodies.
_READS_BODIES = re.compile(r"SELECT\b.*\bbody\b.*\bFROM (spec_kitty_)?events\b", re.S)


def _spy(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> List[str]:
    sent: List[str] = []
    if backend.name == "sqlite":
        real_connect = sqlite3.connect

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = real_connect(*args, **kwargs)
            conn.set_trace_callback(sent.append)
            return conn

        monkeypatch.setattr(sqlite3, "connect", connect)
    else:
        import psycopg

        real_execute = psycopg.Connection.execute

        def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(query if isinstance(query, str) else query.decode())
            return real_execute(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "execute", execute)
    return sent


def _body_reads(sent: List[str]) -> List[str]:
    return [statement for statement in sent if _READS_BODIES.search(statement)]


def _url(backend: Backend) -> str:
    if backend.name == "sqlite":
        return f"sqlite:///{backend.target}"
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(backend.target)
    return f"postgresql://{params['user']}@/{params['dbname']}?host={params['host']}"


def _dossier_events(count: int) -> List[Any]:
    return [
        make_event(n, event_type=INDEXED, payload=indexed(f"docs/{n}.md", f"{n % 16:x}" * 8))
        for n in range(count)
    ]


def test_a_whole_store_read_into_a_list_is_fetched_a_page_at_a_time(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spec_kitty_events.stores import postgres, sqlite

    events = _dossier_events(25)
    sent = _spy(backend, monkeypatch)
    store = backend.events()
    store.save_events(events)
    monkeypatch.setattr(sqlite if backend.name == "sqlite" else postgres, "_LIST_PAGE", 10)
    sent.clear()
    assert store.load_all_events() == events
    reads = _body_reads(sent)
    assert len(reads) == 3
    assert all("LIMIT" in statement for statement in reads)


def test_a_list_read_while_another_writer_commits_is_the_store_at_one_instant(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spec_kitty_events.stores import postgres, sqlite

    module: Any = sqlite if backend.name == "sqlite" else postgres
    cls = module.SQLiteEventStore if backend.name == "sqlite" else module.PostgresEventStore
    # Two store objects: two connections, as two processes would have.
    store, writer = backend.events(), backend.events()
    events = _dossier_events(4)
    store.save_events(events)
    late = make_event(99, event_type=INDEXED, payload=indexed("docs/late.md", "ab" * 4))
    real_pages: Callable[..., Iterator[Any]] = cls._pages

    def pages_with_a_commit_between(self: Any, query: Any, page_size: int) -> Iterator[Any]:
        for number, event in enumerate(real_pages(self, query, page_size)):
            if number == 2 and self is store:
                writer.save_event(late)  # sorts last: the next page would find it
            yield event

    monkeypatch.setattr(module, "_LIST_PAGE", 2)
    monkeypatch.setattr(cls, "_pages", pages_with_a_commit_between)
    assert store.load_all_events() == events
    assert store.load_all_events() == [*events, late]


COMMANDS: Tuple[Tuple[str, ...], ...] = (
    ("validate",),
    ("export",),
    ("hash",),
    ("diff", "-"),
    ("reduce", "dossier"),
    ("reduce", "dossier", "--by-namespace"),
    ("reduce", "status", "--allow-empty"),
    ("reduce", "lifecycle", "--allow-empty"),
)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_no_command_reading_a_whole_store_asks_for_every_row_at_once(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: Tuple[str, ...]
) -> None:
    events = _dossier_events(30)
    backend.events().save_events(events)
    log = "".join(event.model_dump_json() + "\n" for event in events)
    sent = _spy(backend, monkeypatch)
    result = CliRunner().invoke(main, [*command, "--store", _url(backend)], input=log)
    assert result.exit_code == 0, result.output
    reads = _body_reads(sent)
    assert reads
    assert [statement for statement in reads if "LIMIT" not in statement] == []
