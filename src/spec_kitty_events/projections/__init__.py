"""Projections kept up to date from an event store, by one runner or by many.

A :class:`ProjectionRunner` keeps one *kind* of projection under a *name*:

* ``"dossier"``: ``reduce_mission_dossier`` of every namespace, cut into ``shards`` parts
  (by a hash of the namespace) that runners own independently;
* ``"status"``: the work-package board, ``reduce_status_events`` of the whole store.

It catches up from its checkpoints, then follows the store by position
(:meth:`~spec_kitty_events.storage.EventStore.read_since`): PostgreSQL wakes it with
``LISTEN/NOTIFY`` (it still polls, in case a notification is lost), SQLite is polled.  Each
checkpoint (position and state) is written in one transaction, so a runner killed at any
instant resumes where its last write left it, equal to a fresh full fold.  On PostgreSQL,
several runners share the projections: each is owned through a session advisory lock and
taken over when its owner's session ends.  ``docs/projections.md`` explains running one and
many workers.
"""

from __future__ import annotations

import json
import random
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence

from spec_kitty_events.models import Event, StorageError
from spec_kitty_events.projections._checkpoints import (
    CHECKPOINT_FORMAT,
    Checkpoint,
    PostgresCheckpoints,
    Saved,
    SQLiteCheckpoints,
)
from spec_kitty_events.projections._kinds import (
    DEFAULT_SHARDS,
    KINDS,
    dumps,
    namespace_label,
    new_projection,
    projection_keys,
)
from spec_kitty_events.storage import PositionedEvent, UnreadableEventError

Report = Dict[str, Any]
Listener = Callable[[Report], None]

DEFAULT_PAGE = 500
DEFAULT_POLL = 0.5


class CheckpointError(StorageError):
    """A checkpoint this library cannot resume from (another format or library version)."""


@dataclass
class _Owned:
    key: str
    position: int
    projection: Any
    skipped: List[Dict[str, Any]] = field(default_factory=list)


def _library_version() -> str:
    from spec_kitty_events import __version__

    return __version__


def _open(store_url: str) -> Any:
    """The event store and the checkpoint table of one store URL."""
    from spec_kitty_events._store_url import open_event_store, redacted_url

    store = open_event_store(store_url)
    if store_url.startswith("sqlite:///"):
        return store, SQLiteCheckpoints(store_url[len("sqlite:///") :], _library_version())
    try:
        return store, PostgresCheckpoints(store_url, redacted_url(store_url), _library_version())
    except BaseException:
        store.close()
        raise


class ProjectionRunner:
    """Keeps the ``kind`` projections named ``name`` up to date from the store at
    ``store_url`` (``sqlite:///PATH`` or ``postgresql://...``).

    ``on_report`` receives one JSON-ready dict per projection a committed batch changed (and
    per unreadable event skipped); ``on_ownership`` one per projection taken, released or
    lost, with the time the database gave.
    """

    def __init__(
        self,
        store_url: str,
        kind: str,
        *,
        name: str = "default",
        shards: int = DEFAULT_SHARDS,
        page_size: int = DEFAULT_PAGE,
        poll_interval: float = DEFAULT_POLL,
        on_report: Optional[Listener] = None,
        on_ownership: Optional[Listener] = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if not name or "/" in name:
            raise ValueError(f"name must be a non-empty text without '/', got {name!r}")
        if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
            raise ValueError(f"shards must be an int >= 1, got {shards!r}")
        self.kind, self.name, self.shards = kind, name, shards
        self._page = page_size
        self._poll = poll_interval
        self._on_report = on_report or (lambda _report: None)
        self._on_ownership = on_ownership or (lambda _report: None)
        self._keys = projection_keys(kind, name, shards)
        self._owned: Dict[str, _Owned] = {}
        self._store, self._checkpoints = _open(store_url)

    @property
    def prefix(self) -> str:
        return f"{self.name}/{self.kind}"

    # --- running -------------------------------------------------------------------------

    def run(self, *, once: bool = False, stop: Optional[threading.Event] = None) -> None:
        """Catch up, then follow until ``stop`` is set (after the batch in hand).

        ``once`` catches up the projections no other runner holds and returns.
        """
        halt = stop or threading.Event()
        while not halt.is_set():
            self._claim(everything=once)
            if self.step():
                continue
            if once:
                return
            self._checkpoints.wait(self._poll)

    def step(self) -> bool:
        """Read one page after the lowest owned position and fold it; False when idle."""
        if not self._owned:
            return False
        low = min(owned.position for owned in self._owned.values())
        skipped: Optional[UnreadableEventError] = None
        try:
            page = self._store.read_since(low, limit=self._page)
        except UnreadableEventError as error:
            page, skipped = error.before, error
        if not page and skipped is None:
            return False
        end = page[-1].position if page else 0
        if skipped is not None:
            end = skipped.position
        self._apply(page, end, skipped)
        return True

    def _apply(
        self, page: Sequence[PositionedEvent], end: int, skipped: Optional[UnreadableEventError]
    ) -> None:
        writes: List[Saved] = []
        reports: List[Report] = []
        for owned in self._owned.values():
            if owned.position >= end:
                continue
            events = [
                item.event
                for item in page
                if item.position > owned.position and owned.projection.wants(item.event)
            ]
            applied = owned.projection.apply(end, events) if events else []
            reports.extend({"key": owned.key, **report} for report in applied)
            if skipped is not None and skipped.position > owned.position:
                problem = {"position": skipped.position, "error": str(skipped)}
                owned.skipped.append(problem)
                reports.append({"key": owned.key, "skipped": problem, "position": end})
            state = {**owned.projection.to_json(), "skipped": owned.skipped}
            writes.append(Saved(owned.key, owned.position, end, dumps(state)))
        lost, at = self._checkpoints.save(writes)
        for write in writes:
            if write.key in lost:
                self._lose(write.key, at)
            else:
                self._owned[write.key].position = write.position
        stamp = at.isoformat()
        for report in reports:
            if report["key"] not in lost:
                self._on_report({**report, "at": stamp})

    # --- ownership -----------------------------------------------------------------------

    def _claim(self, *, everything: bool) -> None:
        """Take free projections: all of them, or one per round so that runners started
        together share the work instead of the fastest taking it all."""
        free = [(key, shard) for key, shard in self._keys if key not in self._owned]
        random.shuffle(free)
        for key, shard in free:
            at = self._checkpoints.claim(key)
            if at is None:
                continue
            try:
                self._owned[key] = self._load(key, shard)
            except BaseException:
                self._checkpoints.release(key)
                raise
            self._ownership("acquired", key, at)
            if not everything:
                return

    def _load(self, key: str, shard: int) -> _Owned:
        checkpoint = self._checkpoints.load(key)
        if checkpoint is None or checkpoint.state == "{}":
            return _Owned(key, 0, new_projection(self.kind, shard, self.shards, None))
        self._check(checkpoint)
        state = json.loads(checkpoint.state)
        projection = new_projection(self.kind, shard, self.shards, state)
        return _Owned(key, checkpoint.position, projection, list(state.get("skipped", [])))

    def _check(self, checkpoint: Checkpoint) -> None:
        library = self._checkpoints.library
        if checkpoint.format == CHECKPOINT_FORMAT and checkpoint.library == library:
            return
        raise CheckpointError(
            f"checkpoint {checkpoint.key!r} was written in format {checkpoint.format} by "
            f"spec-kitty-events {checkpoint.library}; this is format {CHECKPOINT_FORMAT}, "
            f"spec-kitty-events {library}, which does not resume from it. Rebuild the "
            f"projection from the events: spec-kitty-events follow {self.kind} --store URL "
            f"--name {self.name} --rebuild (or ProjectionRunner.rebuild())"
        )

    def _lose(self, key: str, at: datetime) -> None:
        del self._owned[key]
        self._checkpoints.release(key)
        self._ownership("lost", key, at)

    def _ownership(self, what: str, key: str, at: datetime) -> None:
        self._on_ownership({"ownership": what, "key": key, "at": at.isoformat()})

    # --- maintenance ---------------------------------------------------------------------

    def rebuild(self) -> int:
        """Delete this runner's checkpoints, so the next run folds from position 0.

        Returns how many were deleted.  Runners that hold them notice at their next write
        and start over too.
        """
        for key in list(self._owned):
            del self._owned[key]
            self._checkpoints.release(key)
        deleted: int = self._checkpoints.delete_prefix(self.prefix + "/")
        return deleted

    def states(self) -> Dict[str, Any]:
        """The reducer outputs held in the checkpoints, as JSON data.

        ``dossier``: one entry per namespace label (``project/feature/branch/mission/
        manifest``); ``status``: ``{"board": ...}``.
        """
        merged: Dict[str, Any] = {}
        for checkpoint in self._checkpoints.load_prefix(self.prefix + "/"):
            if checkpoint.state == "{}":
                continue
            self._check(checkpoint)
            merged.update(json.loads(checkpoint.state).get("states", {}))
        return merged

    def positions(self) -> Dict[str, int]:
        return {c.key: c.position for c in self._checkpoints.load_prefix(self.prefix + "/")}

    def close(self) -> None:
        for key in list(self._owned):
            # A session that is gone held no locks any more: the server released them.
            with suppress(StorageError):
                self._checkpoints.release(key)
            self._ownership("released", key, datetime.now().astimezone())
        self._owned.clear()
        self._checkpoints.close()
        self._store.close()

    def __enter__(self) -> ProjectionRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def full_fold_states(kind: str, events: Sequence[Event]) -> Dict[str, Any]:
    """What :meth:`ProjectionRunner.states` must equal: the reducers over ``events``."""
    if kind == "status":
        from spec_kitty_events.status import reduce_status_events

        return {"board": reduce_status_events(events).model_dump(mode="json")}
    from spec_kitty_events.dossier_parity import reduce_dossier_by_namespace

    return {
        namespace_label(key): state.model_dump(mode="json")
        for key, state in reduce_dossier_by_namespace(events).items()
    }


__all__ = [
    "CHECKPOINT_FORMAT",
    "DEFAULT_SHARDS",
    "KINDS",
    "CheckpointError",
    "ProjectionRunner",
    "full_fold_states",
]
