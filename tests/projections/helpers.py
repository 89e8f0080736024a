"""A mixed stream for the runner tests: dossier events in several namespaces, status events,
invalid payloads the reducers turn into anomalies, and clocks that arrive out of order."""

from __future__ import annotations

import random
from typing import Any, Dict, List

from spec_kitty_events.models import Event
from spec_kitty_events.projections import ProjectionRunner, full_fold_states
from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.cli.helpers import status_payload
from tests.factory import event_id, make_event
from tests.parity.helpers import INDEXED, MISSING, SNAPSHOT, indexed, missing, ns, snapshot

LANES = ("planned", "claimed", "in_progress", "for_review", "done")


def _dossier(rng: random.Random, namespace: Dict[str, Any]) -> tuple[str, Dict[str, Any]]:
    path = f"docs/{rng.randrange(4)}.md"
    choice = rng.randrange(10)
    if choice < 5:
        return INDEXED, indexed(path, f"{rng.randrange(16):x}" * 8, namespace=namespace)
    if choice < 7:
        return MISSING, missing(path, namespace=namespace)
    if choice < 9:
        return SNAPSHOT, snapshot(f"{rng.randrange(256):02x}", namespace=namespace)
    return INDEXED, {"namespace": namespace, "broken": True}  # an anomaly, not an error


def stream(seed: int, count: int, namespaces: int = 5) -> List[Event]:
    """``count`` events numbered from ``seed * 100_000``; clocks are shuffled so that later
    saves often sort before earlier ones (late events)."""
    rng = random.Random(seed)
    spaces = [ns(feature_slug=f"feature-{n:02d}") for n in range(namespaces)]
    lanes: Dict[str, int] = {}
    events: List[Event] = []
    for i in range(count):
        number = seed * 100_000 + i
        clock = rng.randrange(1, count * 2)
        if rng.random() < 0.25:
            wp = f"WP{rng.randrange(6):02d}"
            step = lanes.get(wp, -1)
            to = min(step + 1, len(LANES) - 1)
            payload = status_payload(wp, LANES[step] if step >= 0 else None, LANES[to])
            lanes[wp] = to
            event_type = "WPStatusChanged"
        else:
            event_type, payload = _dossier(rng, rng.choice(spaces))
        events.append(
            make_event(
                event_id=event_id(number), event_type=event_type, payload=payload, clock=clock
            )
        )
    return events


def full_fold(url: str, kind: str) -> Dict[str, Any]:
    """The reducers over everything in the store: what every runner must end equal to."""
    if url.startswith("sqlite:///"):
        with SQLiteEventStore(url[len("sqlite:///") :]) as store:
            return full_fold_states(kind, store.load_all_events())
    from spec_kitty_events.stores.postgres import PostgresEventStore

    with PostgresEventStore(url) as store:
        return full_fold_states(kind, store.load_all_events())


def caught_up(url: str, kind: str, **options: Any) -> Dict[str, Any]:
    with ProjectionRunner(url, kind, **options) as runner:
        runner.run(once=True)
        return runner.states()


def save(url: str, events: List[Event]) -> None:
    if url.startswith("sqlite:///"):
        with SQLiteEventStore(url[len("sqlite:///") :], synchronous="NORMAL") as store:
            store.save_events(events)
        return
    from spec_kitty_events.stores.postgres import PostgresEventStore

    with PostgresEventStore(url) as store:
        store.save_events(events)
