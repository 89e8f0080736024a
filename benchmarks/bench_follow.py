"""Projection runners: catch-up throughput, and commit-to-applied latency under 4 writers.

Throughput: a dossier runner catches up on events already stored (fold + checkpoint per
page of 500); its floor is paging the same events with ``read_since`` alone, so the ratio is
what folding and checkpointing add.  Latency: while 4 writer processes commit batches of 10,
a following runner applies them; for every event, the time from its writer's commit to the
runner's committed checkpoint covering it (median and p99, printed beside the figures).

PostgreSQL runs against ``SKE_PG_DSN`` (a store URL) when set, else against a throwaway
cluster started like the tests do; without a server its figures are skipped.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from _harness import Figure, best_of
from spec_kitty_events.models import Event
from spec_kitty_events.projections import ProjectionRunner

WRITERS = 4
WRITE_BATCH = 10
NAMESPACES = 8
_ROOT = Path(__file__).resolve().parents[1]


def _events(count: int, offset: int = 0) -> List[Event]:
    sys.path.insert(0, str(_ROOT))
    from tests.factory import event_id, make_event
    from tests.parity.helpers import INDEXED, indexed, ns

    return [
        make_event(
            event_id=event_id(offset + n),
            event_type=INDEXED,
            payload=indexed(
                f"docs/{n % 50}.md",
                f"{n % 16:x}" * 8,
                namespace=ns(feature_slug=f"feature-{n % NAMESPACES}"),
            ),
            clock=offset + n,
        )
        for n in range(count)
    ]


def _open(url: str) -> Any:
    from spec_kitty_events._store_url import open_event_store

    return open_event_store(url)


def _clear(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "DROP TABLE IF EXISTS spec_kitty_meta, spec_kitty_events, spec_kitty_clocks, "
            "spec_kitty_errors, spec_kitty_checkpoints"
        )


def _throughput(label: str, url: str, count: int, repeat: int) -> Figure:
    _clear(url)
    with _open(url) as store:
        store.save_events(_events(count))

    def follow_once() -> None:
        with ProjectionRunner(url, "dossier", shards=4) as runner:
            runner.rebuild()
            runner.run(once=True)

    def page_through() -> None:
        with _open(url) as store:
            position = 0
            while True:
                page = store.read_since(position, limit=500)
                if not page:
                    return
                position = page[-1].position

    return Figure(
        f"{label} follow --once (dossier, 4 shards)",
        count,
        "events",
        best_of(follow_once, repeat),
        "read_since pages alone",
        best_of(page_through, repeat),
    )


def _write(url: str, writer: int, batches: int, barrier: Any, out: Any) -> None:
    committed: List[Tuple[str, float]] = []
    with _open(url) as store:
        barrier.wait(60)
        for batch in range(batches):
            first = (writer + 1) * 1_000_000 + batch * WRITE_BATCH
            events = _events(WRITE_BATCH, first)
            store.save_events(events)
            done = time.time()
            committed.extend((event.event_id, done) for event in events)
            time.sleep(0.005)
    out.put(committed)


def _latency(label: str, url: str, batches: int) -> Tuple[float, float]:
    """Median and p99 seconds from a writer's commit to the runner's checkpoint of it."""
    _clear(url)
    _open(url).close()
    applied: List[Tuple[int, str, float]] = []

    def note(report: Dict[str, Any]) -> None:
        applied.append((report["position"], report["namespace"], time.time()))

    stop = threading.Event()
    runner = ProjectionRunner(url, "dossier", shards=4, poll_interval=0.05, on_report=note)
    follower = threading.Thread(target=runner.run, kwargs={"stop": stop})
    follower.start()
    # Spawned, not forked: this process has the SQLite file open, and a forked child would
    # inherit SQLite's per-process lock bookkeeping for it.
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(WRITERS), context.Queue()
    writers = [
        context.Process(target=_write, args=(url, n, batches, barrier, out)) for n in range(WRITERS)
    ]
    for process in writers:
        process.start()
    committed: Dict[str, float] = {}
    for _ in writers:
        committed.update(out.get(timeout=600))
    for process in writers:
        process.join(60)
    total = WRITERS * batches * WRITE_BATCH
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not applied or applied[-1][0] < total):
        time.sleep(0.05)
    stop.set()
    follower.join(60)
    runner.close()
    delays = _delays(url, committed, applied)
    quantiles = statistics.quantiles(delays, n=100)
    return statistics.median(delays), quantiles[98]


def _delays(
    url: str, committed: Dict[str, float], applied: List[Tuple[int, str, float]]
) -> List[float]:
    from spec_kitty_events.dossier import event_namespace
    from spec_kitty_events.dossier_parity import DossierNamespaceKey

    delays: List[float] = []
    with _open(url) as store:
        position = 0
        while page := store.read_since(position, limit=1000):
            for item in page:
                namespace = event_namespace(item.event)
                assert namespace is not None
                label = "/".join(DossierNamespaceKey.of(namespace))
                at = min(t for p, n, t in applied if n == label and p >= item.position)
                delays.append(max(0.0, at - committed[item.event.event_id]))
            position = page[-1].position
    return delays


def _postgres_url() -> Tuple[Optional[str], Callable[[], None], str]:
    if os.environ.get("SKE_PG_DSN"):
        return os.environ["SKE_PG_DSN"], lambda: None, ""
    sys.path.insert(0, str(_ROOT / "tests" / "stores"))
    import _pgcluster

    try:
        server = _pgcluster.start()
    except _pgcluster.ClusterUnavailable as exc:
        return None, lambda: None, str(exc)
    return f"postgresql://{server.user}@/postgres?host={server.socket_dir}", server.stop, ""


def _backend(label: str, url: str, quick: bool) -> List[Figure]:
    count = 2_000 if quick else 20_000
    figure = _throughput(label, url, count, 1 if quick else 3)
    median, p99 = _latency(label, url, 20 if quick else 100)
    print(
        f"  {label} commit -> applied with {WRITERS} writers (batches of {WRITE_BATCH}): "
        f"median {median * 1000:,.1f} ms, p99 {p99 * 1000:,.1f} ms",
        flush=True,
    )
    return [figure]


def run(quick: bool) -> List[Figure]:
    with tempfile.TemporaryDirectory() as scratch:
        figures = _backend("sqlite", f"sqlite:///{scratch}/follow.db", quick)
    url, clean_up, reason = _postgres_url()
    if url is None:
        print(f"  postgres figures skipped: {reason}", flush=True)
        return figures
    try:
        figures += _backend("postgres", url, quick)
    finally:
        clean_up()
    return figures
