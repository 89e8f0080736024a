"""Ingest checking in worker processes gives what one process gives: the same reports in the
same order, the same counts, the same rows in the same stored order."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from spec_kitty_events import _workers
from spec_kitty_events._workers import checked_lines
from tests.cli.helpers import run, status_payload
from tests.factory import event_id, make_event, make_record

CHUNK = _workers.CHUNK_LINES


def _log_lines(count: int, chunk: int = CHUNK) -> List[bytes]:
    """``count`` good status lines with bad ones, blank ones and a conflicting twin placed
    around chunk boundaries, where an off-by-one in the chunking would show."""
    lines = [
        json.dumps(make_record(n, "WPStatusChanged", status_payload(f"WP{n:05d}", None, "planned")))
        for n in range(1, count + 1)
    ]
    lines[0] = "{not json"
    lines[chunk - 1] = "[1, 2]"
    lines[chunk] = ""
    lines[chunk + 1] = json.dumps(make_record(chunk + 2, "WPStatusChanged", {"wp_id": "x"}))
    # Valid, but without a JSON form to store (a lone surrogate): the store refuses it.
    lines[chunk + 3] = json.dumps(make_record(chunk + 4, "NoteTaken", {"note": "\ud800"}))
    twin = make_record(2, "WPStatusChanged", status_payload("WP-TWIN", None, "planned"))
    lines[2 * chunk + 5] = json.dumps(twin)
    lines[-1] = json.dumps(make_record(count, lamport_clock=-1))
    return [line.encode() + b"\n" for line in lines]


def _stored(db: Path) -> List[Tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM events ORDER BY 1").fetchall()


def _ingest(tmp_path: Path, log: Path, name: str, jobs: int) -> Tuple[Dict[str, Any], Path]:
    db = tmp_path / f"{name}.db"
    result = run(
        "ingest", str(log), "--store", f"sqlite:///{db}", "--format", "json", "--jobs", str(jobs)
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    *reports, summary = result.stdout.splitlines()
    outcome = json.loads(summary)["summary"]
    outcome.pop("store")
    return {"reports": reports, "summary": outcome}, db


def test_ingest_with_two_workers_reports_and_stores_what_one_process_does(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(_log_lines(3 * CHUNK + 17)))
    alone, alone_db = _ingest(tmp_path, log, "alone", 1)
    shared, shared_db = _ingest(tmp_path, log, "shared", 2)
    assert shared == alone
    reports = [json.loads(report) for report in alone["reports"]]
    assert [report["line"] for report in reports] == [
        1,
        CHUNK,
        CHUNK + 2,
        CHUNK + 4,
        2 * CHUNK + 6,
        3 * CHUNK + 17,
    ]
    refused = reports[3]["problems"]
    assert [(p["layer"], p["field"]) for p in refused] == [("store", "payload")]
    assert "cannot be stored as JSON" in refused[0]["message"]
    assert alone["summary"]["new_events"] == 3 * CHUNK + 17 - 7
    assert _stored(shared_db) == _stored(alone_db)


def test_a_job_count_below_one_is_refused() -> None:
    result = run("ingest", "-", "--jobs", "0")
    assert result.returncode == 2
    assert "--jobs" in result.stderr


def _outcomes(lines: List[bytes], jobs: int) -> List[_workers.Checked]:
    return list(checked_lines(lines, jobs))


@pytest.mark.parametrize("count", [0, 1, 5, 6, 7, 20])
def test_checking_in_chunks_gives_every_line_its_own_outcome_in_order(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    # Chunks of three lines, so a short list crosses many boundaries; the workers see only
    # the chunks, so this setting need not reach them.
    monkeypatch.setattr(_workers, "CHUNK_LINES", 3)
    lines = _log_lines(20, chunk=3)[:count]
    assert _outcomes(lines, 2) == _outcomes(lines, 1)


@pytest.mark.parametrize(
    ("cores", "size", "jobs"),
    [
        (1, 100 << 20, 1),
        (2, 100 << 20, 2),
        (16, 100 << 20, 16),
        (16, 3 << 20, 3),  # one process per MiB at most
        (16, 1_000, 1),  # a small file is checked here alone
        (16, None, 1),  # a pipe is checked line by line as it arrives
    ],
)
def test_by_default_lines_are_checked_by_one_process_per_core_and_per_mib_of_file(
    monkeypatch: pytest.MonkeyPatch, cores: int, size: Optional[int], jobs: int
) -> None:
    monkeypatch.setattr(_workers.os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert _workers.default_jobs(size) == jobs


def test_where_no_worker_can_be_started_this_process_checks_every_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(_self: Any) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(_workers.multiprocessing.process.BaseProcess, "start", refuse)
    lines = _log_lines(20, chunk=3)
    monkeypatch.setattr(_workers, "CHUNK_LINES", 3)
    with _workers.Checkers(2) as checkers:
        assert list(checkers.checked(lines)) == _outcomes(lines, 1)


def test_a_chunk_not_sent_to_the_pool_is_checked_here_and_its_result_kept_for_its_turn() -> None:
    lines = _log_lines(20, chunk=3)[:9]
    slot = _workers._Slot(list(enumerate(lines, start=1)))
    assert slot.here
    assert not slot.ready()
    slot.check_here()
    assert not slot.here
    assert slot.ready()
    assert slot.result() == _outcomes(lines, 1)


def test_a_chunk_sent_to_the_pool_waits_for_the_worker() -> None:
    running: Future[Optional[List[_workers.Checked]]] = Future()
    assert running.set_running_or_notify_cancel()
    slot = _workers._Slot(list(enumerate(_log_lines(20, chunk=3), start=1)))
    assert slot.send(lambda _chunk: running)
    assert not slot.here
    assert slot.in_pool
    assert not slot.ready()
    running.set_result([])
    assert not slot.in_pool
    assert slot.ready()
    assert slot.result() == []


def test_a_worker_reports_each_line_of_its_chunk_under_the_line_number_it_has_in_the_log() -> None:
    lines = _log_lines(20, chunk=3)
    chunk = list(enumerate(lines, start=1))[6:12]
    checked = _workers.check_chunk(chunk)
    alone = [outcome for outcome in _outcomes(lines, 1) if 7 <= outcome[0].line <= 12]
    assert checked == alone
    assert [report.line for report, _ in checked] == [7, 8, 9, 10, 11, 12]


_THIS_PROCESS = os.getpid()
_CHECK_CHUNK = _workers.check_chunk


def _check_chunk_or_die(chunk: List[Tuple[int, bytes]]) -> List[_workers.Checked]:
    """check_chunk here; in a worker, the worker dies, as one killed by the kernel would."""
    if os.getpid() != _THIS_PROCESS:
        os._exit(1)
    return _CHECK_CHUNK(chunk)


def test_when_a_worker_dies_this_process_checks_what_it_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_workers, "CHUNK_LINES", 3)
    lines = _log_lines(20, chunk=3)
    alone = _outcomes(lines, 1)
    monkeypatch.setattr(_workers, "check_chunk", _check_chunk_or_die)
    assert _outcomes(lines, 2) == alone


def test_a_chunk_the_pool_could_not_take_is_checked_here() -> None:
    def lost(_slot: _workers._Slot) -> Future[Optional[List[_workers.Checked]]]:
        raise BrokenProcessPool("a worker died")

    lines = _log_lines(20, chunk=3)[:9]
    slot = _workers._Slot(list(enumerate(lines, start=1)))
    assert not slot.send(lost)
    assert slot.here
    assert slot.result() == _outcomes(lines, 1)


def test_a_chunk_whose_worker_died_is_checked_here() -> None:
    died: Future[Optional[List[_workers.Checked]]] = Future()
    died.set_exception(BrokenProcessPool("a worker died"))
    lines = _log_lines(20, chunk=3)[:9]
    slot = _workers._Slot(list(enumerate(lines, start=1)))
    assert slot.send(lambda _chunk: died)
    assert slot.ready()
    assert slot.result() == _outcomes(lines, 1)


def _as_written(count: int) -> List[bytes]:
    """Lines as this library writes events (``model_dump_json``), with a few that are not:
    spaced out, ended by CRLF, non-ASCII, bad, blank."""
    lines = [
        (make_event(n, "NoteTaken", {"note": f"café {n}"}).model_dump_json() + "\n").encode()
        for n in range(1, count + 1)
    ]
    lines[1] = (json.dumps(make_record(2, "NoteTaken", {"note": "spaced"})) + "\n").encode()
    lines[2] = lines[2].replace(b"\n", b"\r\n")
    lines[3] = b"\n"
    lines[4] = b"{not json\n"
    return lines


def test_a_worker_leaves_out_only_the_bodies_that_are_their_lines_own_text() -> None:
    lines = _as_written(8)
    # Valid, but without a JSON form to store (a lone surrogate): a refusal goes back.
    lines[7] = (json.dumps(make_record(8, "NoteTaken", {"note": "\ud800"})) + "\n").encode()
    chunk = list(enumerate(lines, start=1))
    sent = _workers.check_chunk_to_send(chunk)
    fields = {line: sent_fields for line, _, _, _, sent_fields in sent}
    assert [len(fields[line] or ()) for line in (1, 2, 3, 5, 6, 7, 8)] == [6, 6, 6, 0, 6, 6, 3]
    bodies = {line: fields[line][-1] for line in (1, 2, 3, 6, 7)}  # type: ignore[index]
    assert bodies[1] == bodies[3] == bodies[6] == bodies[7] == ""
    assert json.loads(bodies[2])["event_id"] == event_id(2)
    assert _workers._received(sent, chunk) == _workers.check_chunk(chunk)


def test_rows_checked_in_workers_store_the_bodies_one_process_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_workers, "CHUNK_LINES", 3)
    lines = _as_written(20)
    shared = _outcomes(lines, 2)
    assert shared == _outcomes(lines, 1)
    assert all(storable is None or storable.body for _, storable in shared)


def test_the_switch_interval_is_short_only_while_workers_run() -> None:
    before = sys.getswitchinterval()
    with _workers.Checkers(2):
        assert sys.getswitchinterval() == min(before, _workers._SWITCH_INTERVAL) < before
    assert sys.getswitchinterval() == before
    with _workers.Checkers(1):
        assert sys.getswitchinterval() == before


def _chunk_in_file(tmp_path: Path, before: bytes = b"") -> Tuple[_workers.Numbered, Path]:
    lines = _as_written(7)
    log = tmp_path / "log.jsonl"
    log.write_bytes(before + b"".join(lines))
    return list(enumerate(lines, start=1)), log


def test_a_worker_reads_its_chunk_from_the_file_and_checks_what_it_was_sent(
    tmp_path: Path,
) -> None:
    chunk, log = _chunk_in_file(tmp_path, before=b"{}\n")
    with log.open("rb") as file:
        region = _workers._region(
            chunk[2:], 3 + sum(len(line) for _, line in chunk[:2]), file.fileno()
        )
        assert region.first == 3
        assert _workers.check_region(region) == _workers.check_chunk_to_send(chunk[2:])


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data.replace(b"caf\xc3\xa9 6", b"caf\xc3\xa9 9"),  # same size, other bytes
        lambda data: data[:-10],  # cut short
    ],
)
def test_a_worker_that_reads_other_bytes_than_were_read_here_leaves_the_chunk_here(
    tmp_path: Path, change: Any
) -> None:
    chunk, log = _chunk_in_file(tmp_path)
    with log.open("rb") as file:
        region = _workers._region(chunk, 0, file.fileno())
        log.write_bytes(change(log.read_bytes()))
        assert _workers.check_region(region) is None


def test_a_worker_without_the_file_open_leaves_the_chunk_here(tmp_path: Path) -> None:
    chunk, log = _chunk_in_file(tmp_path)
    with log.open("rb") as file:
        region = _workers._region(chunk, 0, file.fileno())
    assert _workers.check_region(region) is None


class _PoolHere:
    """A pool that runs each task at once, in this process, and keeps what it was given and
    what the task gave back."""

    def __init__(self) -> None:
        self.tasks: List[Tuple[Any, Any, Any]] = []

    def submit(self, task: Any, argument: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(task(argument))
        self.tasks.append((task, argument, done.result()))
        return done


def test_the_chunks_of_a_file_go_to_the_pool_as_where_they_lie_in_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_workers, "CHUNK_LINES", 2)
    chunk, log = _chunk_in_file(tmp_path, before=b"# not a line of the log\n")
    lines = [line for _, line in chunk]
    pool = _PoolHere()
    with log.open("rb") as file:
        file.readline()
        source = _workers.Source(file.fileno(), file.tell())
        checked = list(_workers._in_workers(_workers._chunks(lines), pool, 1, source))  # type: ignore[arg-type]
    assert checked == _outcomes(lines, 1)
    assert pool.tasks
    assert {task for task, _, _ in pool.tasks} == {_workers.check_region}
    assert all(result is not None for _, _, result in pool.tasks)


def test_lines_that_are_not_their_source_are_checked_as_the_lines_they_are(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_workers, "CHUNK_LINES", 3)
    lines = _log_lines(20, chunk=3)
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"".join(_as_written(20)))
    with other.open("rb") as file, _workers.Checkers(2) as checkers:
        shared = list(checkers.checked(lines, _workers.Source(file.fileno(), 0)))
    assert shared == _outcomes(lines, 1)
