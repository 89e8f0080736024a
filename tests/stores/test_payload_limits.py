"""The event limits at the stores: what is accepted is read back, what is not is never written.

(The limits themselves are tested in tests/hostile; here, that both adapters hold to them.)
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from spec_kitty_events.models import StorageError
from spec_kitty_events.stores.sqlite import SQLiteEventStore

from .conftest import Backend
from .test_stores import make_event

LIMIT = 64


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value


def test_an_event_nested_to_the_limit_is_read_back_equal(backend: Backend) -> None:
    event = make_event(payload={"deep": nested(LIMIT - 1), "list": [[[1.5]]]})
    store = backend.events()
    store.save_event(event)
    assert store.load_all_events() == [event]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, r"payload\.later: nan is not a JSON number"),
        ([math.inf], r"payload\.later\.0: inf is not a JSON number"),
        (10**4300, r"payload\.later: integer with more than 4300 digits"),
        (nested(LIMIT), r"payload\.later\.a.*: nests deeper than the nesting limit"),
    ],
    ids=["nan", "infinity", "huge-int", "too-deep"],
)
def test_a_payload_changed_after_construction_is_refused_and_nothing_is_written(
    backend: Backend, value: Any, message: str
) -> None:
    good, bad = make_event(), make_event()
    bad.payload["later"] = value
    store = backend.events()
    with pytest.raises(StorageError, match=f"event {bad.event_id}: {message}"):
        store.save_events([good, bad])
    assert store.load_all_events() == []


def test_a_row_deeper_than_the_limit_reads_as_an_unreadable_event_naming_its_id(
    tmp_path: Path,
) -> None:
    # As a release without the limit could have written it: still within the JSON parser's
    # reach, so the refusal comes from the limit, not from the parser.
    path = tmp_path / "old.db"
    store = SQLiteEventStore(path)
    event = make_event()
    store.save_event(event)
    body = json.loads(event.model_dump_json())
    body["payload"] = {"deep": nested(150)}
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE events SET body = ?", (json.dumps(body),))
    with pytest.raises(StorageError, match=f"event {event.event_id}: stored event is unreadable"):
        store.load_all_events()
    store.close()
