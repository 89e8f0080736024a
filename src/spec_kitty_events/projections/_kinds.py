"""The projections a runner keeps: their state, how a batch folds in, and their JSON form.

A projection's checkpointed state holds the events it folded (in wire form) next to the
reducer output they produce.  The events are what make a resumed projection exact: a late
event (one that sorts before something already folded) needs the earlier events to re-fold,
as :class:`~spec_kitty_events.dossier_parity.DossierProjection` does in memory.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spec_kitty_events._pipeline import SortKey, event_sort_key, prepare
from spec_kitty_events.dossier import DOSSIER_EVENT_TYPES, event_namespace
from spec_kitty_events.dossier_parity import (
    DossierNamespaceKey,
    DossierProjection,
    dossier_snapshot_hash,
)
from spec_kitty_events.models import Event
from spec_kitty_events.status import WP_STATUS_CHANGED, StatusFold

# One line of output per projection a batch changed: what dashboards and `jq` read.
Report = Dict[str, Any]

KINDS = ("dossier", "status")
# How many independently owned parts the dossier projection is cut into; a namespace always
# falls into the same one.  Part of the checkpoint key, so a different count rebuilds.
DEFAULT_SHARDS = 16
# The key of the partition whose namespace cannot be read, as partition_by_namespace has it.
UNREADABLE_NAMESPACE = "(unreadable)"
# What the status reducer folds, for the same selection as reduce_status_events.
_STATUS_TYPES = frozenset({WP_STATUS_CHANGED})


def namespace_label(key: Optional[DossierNamespaceKey]) -> str:
    """A namespace key as text: stable, readable, and usable as a JSON object key."""
    return UNREADABLE_NAMESPACE if key is None else "/".join(key)


def namespace_of(event: Event) -> Optional[DossierNamespaceKey]:
    namespace = event_namespace(event)
    return None if namespace is None else DossierNamespaceKey.of(namespace)


def shard_of(label: str, shards: int) -> int:
    # sha256, not hash(): every process and machine must put a namespace in the same shard.
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


class _Folded:
    """Events one projection has folded, in wire form, for the checkpoint."""

    def __init__(self, bodies: Sequence[str] = ()) -> None:
        self.bodies = list(bodies)
        self.events = [Event.model_validate_json(body) for body in self.bodies]

    def add(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        self.bodies.extend(event.model_dump_json() for event in events)


class DossierShard:
    """One shard of the dossier projection: a ``DossierProjection`` per namespace in it."""

    kind = "dossier"

    def __init__(self, shard: int, shards: int, state: Optional[Dict[str, Any]] = None) -> None:
        self.shard, self.shards = shard, shards
        self._folded: Dict[str, _Folded] = {}
        self._projections: Dict[str, DossierProjection] = {}
        for label, bodies in ((state or {}).get("events") or {}).items():
            folded = _Folded(bodies)
            self._folded[label] = folded
            self._projections[label] = DossierProjection(folded.events)

    def wants(self, event: Event) -> bool:
        if event.event_type not in DOSSIER_EVENT_TYPES:
            return False
        return shard_of(namespace_label(namespace_of(event)), self.shards) == self.shard

    def apply(self, position: int, events: Sequence[Event]) -> List[Report]:
        """Fold this shard's events of one batch; one report per namespace they touched."""
        by_label: Dict[str, List[Event]] = {}
        for event in events:
            by_label.setdefault(namespace_label(namespace_of(event)), []).append(event)
        reports: List[Report] = []
        for label, batch in by_label.items():
            projection = self._projections.setdefault(label, DossierProjection())
            # Partitioned by the full namespace key, so the batch cannot mix namespaces.
            applied = projection.apply(batch)
            self._folded.setdefault(label, _Folded()).add(batch)
            reports.append(
                {
                    "position": position,
                    "projection": "dossier",
                    "namespace": label,
                    "events": applied.new_events,
                    "refolded": applied.replayed,
                    "snapshot_hash": dossier_snapshot_hash(projection.state),
                }
            )
        return reports

    def states(self) -> Dict[str, Any]:
        """Each namespace's reducer output, as JSON data."""
        return {
            label: projection.state.model_dump(mode="json")
            for label, projection in sorted(self._projections.items())
        }

    def to_json(self) -> Dict[str, Any]:
        return {
            "events": {label: folded.bodies for label, folded in sorted(self._folded.items())},
            "states": self.states(),
        }


class StatusBoard:
    """The work-package board: ``reduce_status_events`` of every status event in the store.

    A batch whose new events all sort after the last event folded (the usual case: events
    arrive roughly in clock order) is applied to the kept :class:`StatusFold`, at the cost
    of the batch.  A batch holding a late event, or another copy of a folded id that could
    win the de-duplication, is folded again with the whole history, as the reducer would
    see it: the board is always the reducer's output for everything folded so far.
    """

    kind = "status"

    def __init__(self, state: Optional[Dict[str, Any]] = None) -> None:
        self._folded = _Folded((state or {}).get("events") or ())
        self._fold = StatusFold()
        # The copy of each id the fold holds (the de-duplication winner), and its last key.
        self._kept: Dict[str, Event] = {}
        self._last: Optional[SortKey] = None
        self._refold()

    def wants(self, event: Event) -> bool:
        return event.event_type == WP_STATUS_CHANGED

    def apply(self, position: int, events: Sequence[Event]) -> List[Report]:
        self._folded.add(events)
        new = self._appendable(events)
        if new is None:
            self._refold()
        else:
            for event in new:
                self._fold.apply(event)
                self._kept[event.event_id] = event
            if new:
                self._last = event_sort_key(new[-1])
        self._board = board = self._fold.freeze()
        return [
            {
                "position": position,
                "projection": "status",
                "events": len(events),
                "work_packages": len(board.wp_states),
                "anomalies": len(board.anomalies),
            }
        ]

    def _appendable(self, events: Sequence[Event]) -> Optional[List[Event]]:
        """The batch's events to fold after those already folded, in fold order; ``None``
        when the batch must be folded again with the whole history instead."""
        unseen: List[Event] = []
        for event in events:
            kept = self._kept.get(event.event_id)
            if kept is None:
                unseen.append(event)
                continue
            # Of two copies of an id the smaller sort key wins, so a copy sorting after the
            # folded one changes nothing; an equal copy at the same key neither.
            key, kept_key = event_sort_key(event), event_sort_key(kept)
            if key < kept_key or (key == kept_key and event != kept):
                return None
        new = prepare(unseen, _STATUS_TYPES)
        if new and self._last is not None and event_sort_key(new[0]) <= self._last:
            return None
        return new

    def _refold(self) -> None:
        self._fold = StatusFold()
        self._kept = {}
        self._last = None
        for event in prepare(self._folded.events, _STATUS_TYPES):
            self._fold.apply(event)
            self._kept[event.event_id] = event
            self._last = event_sort_key(event)
        self._board = self._fold.freeze()

    def states(self) -> Dict[str, Any]:
        return {"board": self._board.model_dump(mode="json")}

    def to_json(self) -> Dict[str, Any]:
        return {"events": self._folded.bodies, "states": self.states()}


Projection = Any  # DossierShard | StatusBoard: both have kind, wants, apply, to_json


def projection_keys(kind: str, name: str, shards: int) -> List[Tuple[str, int]]:
    """``(checkpoint key, shard)`` of every projection a runner of ``kind`` keeps."""
    if kind == "status":
        return [(f"{name}/status/board", 0)]
    return [(f"{name}/dossier/{shard}-of-{shards}", shard) for shard in range(shards)]


def new_projection(kind: str, shard: int, shards: int, state: Optional[Dict[str, Any]]) -> Any:
    if kind == "status":
        return StatusBoard(state)
    return DossierShard(shard, shards, state)


def dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
