"""The ``spec-kitty-events`` command line: check, fold and compare JSONL event logs.

Every command reads one event envelope per line.  A bad line never hides the others: it is
reported with its line number, event id, field path and message, and reading goes on.

Exit codes: 0 success; 1 the input had bad lines (or the command's check failed); 2 usage
errors (unknown option, missing file), as click reports them.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from stat import S_ISREG
from typing import IO, Any, Iterable, Iterator, List, Optional, Sequence, Tuple

import click

from spec_kitty_events import _render
from spec_kitty_events._families import reducing_families
from spec_kitty_events._json import LIMITS_CHECKED
from spec_kitty_events._jsonl import (
    EventBatch,
    LineReport,
    Problem,
    iter_lines,
    read_events,
)
from spec_kitty_events._logcheck import Tally, check_line, is_known_event_type
from spec_kitty_events._store_url import (
    STORE_ENV,
    OpenedStore,
    StoreURLError,
    default_store_url,
    open_event_store,
    redacted_url,
)
from spec_kitty_events.dossier import MissionDossierState, reduce_mission_dossier
from spec_kitty_events.dossier_parity import (
    diff_dossier_states,
    dossier_snapshot_hash,
    dossier_snapshot_projection,
    reduce_dossier_by_namespace,
)
from spec_kitty_events.models import Event, SpecKittyEventsError, StorageError
from spec_kitty_events.stores.sqlite import RejectedEventError

FORMATS = click.Choice(["text", "json"])
MODES = click.Choice(["strict", "permissive"])
# Files smaller than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 4 * 1024 * 1024
# Events appended to a store per transaction by `ingest`.
INGEST_BATCH = 1000
STORE_HELP = (
    "Event store URL: sqlite:///PATH (relative), sqlite:////PATH (absolute) or "
    f"postgresql://...; default ${STORE_ENV} or sqlite:///spec-kitty-events.db."
)
READ_STORE_HELP = (
    "Read the events from this store instead of FILE: sqlite:///PATH (relative), "
    "sqlite:////PATH (absolute) or postgresql://...; opened read-only. Without FILE or "
    f"--store, the store named by ${STORE_ENV} is read."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spec-kitty-events")
def main() -> None:
    """Check, fold and compare spec-kitty event logs (JSON Lines, one envelope per line)."""


# --------------------------------------------------------------------------------- validate


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for people; json prints one JSON object per bad line, then a summary.",
)
@click.option(
    "--strict-types",
    is_flag=True,
    help="Count events of a type this library does not know as bad lines.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: on for large files on a terminal).",
)
def validate(file: IO[bytes], fmt: str, strict_types: bool, progress: Optional[bool]) -> None:
    """Check every line of FILE ('-' for stdin) as an envelope and through validate_event.

    Every bad line is reported with its line number, event id, field path and message.
    Exit status 1 when any line is bad.
    """
    tally = Tally()
    for raw in iter_lines(_lines_with_progress(file, progress)):
        report = check_line(raw, strict_types=strict_types)
        tally.add(report, _unchecked_type(report))
        if not report.ok:
            _emit_report(report, fmt)
    _emit_summary(tally, fmt)
    sys.exit(1 if tally.invalid else 0)


def _unchecked_type(report: LineReport) -> Optional[str]:
    if report.ok and report.event_type is not None and not is_known_event_type(report.event_type):
        return report.event_type
    return None


def _emit_report(report: LineReport, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), sort_keys=True))
        return
    for line in _render.line_report(report):
        click.echo(line)


def _emit_summary(tally: Tally, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"summary": tally.as_json()}, sort_keys=True))
        return
    click.echo(_render.summary(tally))


# ----------------------------------------------------------------------------------- reduce

# Every family with a reducer is a KIND, under its name with dashes (mission_next ->
# mission-next); the choices are listed sorted.
REDUCERS = reducing_families()
MODAL_KINDS = " and ".join(kind for kind, family in REDUCERS.items() if family.reducer_takes_mode)


@main.command()
@click.argument("kind", type=click.Choice(sorted(REDUCERS)))
@click.argument("file", type=click.File("rb"), required=False)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=READ_STORE_HELP,
)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for people; json is the reducer output's model_dump(mode='json').",
)
@click.option(
    "--mode",
    type=MODES,
    default="strict",
    show_default=True,
    help=f"{MODAL_KINDS} only: strict raises on unknown participants "
    "or bad payloads, permissive records them as anomalies.",
)
@click.option(
    "--by-namespace",
    is_flag=True,
    help="dossier only: split the stream by namespace and print one state per "
    "namespace (events without a readable namespace under 'null').",
)
def reduce(
    kind: str,
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    fmt: str,
    mode: str,
    by_namespace: bool,
) -> None:
    """Fold the events of FILE ('-' for stdin), or of a store, with the KIND reducer.

    Without FILE or --store, the events come from the store named by $SPEC_KITTY_EVENTS_STORE.

    Lines that are not valid envelopes are reported on stderr and left out of the fold; the
    exit status is then 1, although the state of the remaining events is still printed.
    """
    if by_namespace and kind != "dossier":
        raise click.UsageError("--by-namespace applies to the dossier reducer only")
    batch = _events_from(file, store_url)
    with _refusals(kind):
        if by_namespace:
            states = reduce_dossier_by_namespace(batch.events)
            dumped: Any = {
                _namespace_label(key): state.model_dump(mode="json")
                for key, state in states.items()
            }
        else:
            dumped = REDUCERS[kind].reduce(batch.events, mode).model_dump(mode="json")
    _print_state(dumped, fmt)
    sys.exit(1 if batch.rejected else 0)


def _namespace_label(key: Optional[Sequence[str]]) -> str:
    return "null" if key is None else "/".join(key)


@contextmanager
def _refusals(what: str) -> Iterator[None]:
    """Turn a reducer's documented refusal into a one-line error instead of a traceback."""
    try:
        yield
    except (SpecKittyEventsError, ValueError) as error:
        raise click.ClickException(f"{what} reducer refused the stream: {error}") from None


def _events_from(file: Optional[IO[bytes]], store_url: Optional[str]) -> EventBatch:
    """The events to fold: from a JSONL file (bad lines reported) or from a store."""
    if file is not None and store_url is not None:
        raise click.UsageError("give either FILE or --store URL, not both")
    if file is not None:
        batch = read_events(file)
        _report_rejected(batch)
        return batch
    url = store_url or os.environ.get(STORE_ENV)
    if not url:
        raise click.UsageError(f"give either FILE or --store URL (or set ${STORE_ENV})")
    with _opened_store(url, read_only=True) as store:
        try:
            events = store.load_all_events()
        except StorageError as error:
            raise click.ClickException(str(error)) from None
    return EventBatch(events, [], len(events))


def _report_rejected(batch: EventBatch) -> None:
    for report in batch.rejected:
        for line in _render.line_report(report):
            click.echo(line, err=True)
    if batch.rejected:
        click.echo(
            f"skipped {len(batch.rejected)} of {batch.lines_read} lines that are not valid "
            "event envelopes",
            err=True,
        )


def _print_state(dumped: Any, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(dumped, indent=2, sort_keys=False, ensure_ascii=False))
    else:
        click.echo("\n".join(_render.tree(dumped)))


# ----------------------------------------------------------------------------------- ingest


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--store", "store_url", metavar="URL", default=None, help=STORE_HELP)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for people; json prints one JSON object per rejected line, then a summary.",
)
def ingest(file: IO[bytes], store_url: Optional[str], fmt: str) -> None:
    """Validate FILE ('-' for stdin) line by line and append the good events to a store.

    Bad lines are reported as `validate` reports them and not stored; an event whose id is
    already stored with different content is rejected by the store and reported by line.
    Appending the same file twice stores every event once.  The summary counts the events
    this run stored and the valid ones that were already there (another process's events,
    stored meanwhile, are in neither).  Exit status 1 when any line was rejected.
    """
    url = store_url or default_store_url()
    tally = Tally()
    pending: List[Tuple[int, Event]] = []
    added = 0
    with _opened_store(url) as store, _store_failures():
        for raw in iter_lines(file):
            # The envelope check is Event's own model, so a line it accepts builds an Event.
            report = check_line(raw)
            tally.add(report, _unchecked_type(report))
            if not report.ok:
                _emit_report(report, fmt)
                continue
            # check_line applied the event limits to the whole envelope: no second walk.
            pending.append((raw.line, Event.model_validate(raw.value, context=LIMITS_CHECKED)))
            if len(pending) >= INGEST_BATCH:
                added += _append(store, pending, tally, fmt)
        added += _append(store, pending, tally, fmt)
    # Every valid line left was stored by this run or found stored already.
    already = tally.valid - added
    label = redacted_url(url)
    if fmt == "json":
        summary = {
            **tally.as_json(),
            "store": label,
            "new_events": added,
            "already_stored": already,
        }
        click.echo(json.dumps({"summary": summary}, sort_keys=True))
    else:
        click.echo(
            f"{_render.summary(tally)}; {added} new events stored in {label}; "
            f"{already} already stored"
        )
    sys.exit(1 if tally.invalid else 0)


def _append(store: OpenedStore, pending: List[Tuple[int, Event]], tally: Tally, fmt: str) -> int:
    """Append a batch in one transaction; if the store refuses an event, find the refused
    lines and store the rest.  Returns how many events this call stored."""
    if not pending:
        return 0
    try:
        added = store.save_events([event for _, event in pending])
    except RejectedEventError:
        added = 0
        for line, event in pending:
            try:
                added += store.save_events([event])
            except RejectedEventError as error:
                tally.valid -= 1
                tally.invalid += 1
                report = LineReport(
                    line,
                    event.event_id,
                    event.event_type,
                    (Problem("store", error.field, str(error)),),
                )
                _emit_report(report, fmt)
    pending.clear()
    return added


@contextmanager
def _store_failures() -> Iterator[None]:
    """A store that fails (rather than refusing one event) ends the command with its message."""
    try:
        yield
    except StorageError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _opened_store(url: str, read_only: bool = False) -> Iterator[OpenedStore]:
    try:
        store = open_event_store(url, read_only=read_only)
    except StoreURLError as error:
        raise click.BadParameter(str(error), param_hint="'--store'") from None
    except (StorageError, ImportError) as error:
        raise click.ClickException(str(error)) from None
    try:
        yield store
    finally:
        store.close()


# ------------------------------------------------------------------------------ hash / diff


@main.command("hash")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="json adds the projection the hash is computed over.",
)
def hash_command(file: IO[bytes], fmt: str) -> None:
    """Print the canonical snapshot hash of the dossier stream in FILE.

    The formula is documented in docs/dossier-parity.md: SHA-256 over the RFC 8785 JSON of a
    projection of the reduced dossier state.
    """
    state, rejected = _dossier_state(file)
    digest = dossier_snapshot_hash(state)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"snapshot_hash": digest, "projection": dossier_snapshot_projection(state)},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(digest)
    sys.exit(1 if rejected else 0)


@main.command()
@click.argument("baseline", type=click.File("rb"))
@click.argument("current", type=click.File("rb"))
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="json prints the drift payloads (MissionDossierParityDriftDetected).",
)
def diff(baseline: IO[bytes], current: IO[bytes], fmt: str) -> None:
    """Compare two dossier streams (say, the CLI's and the SaaS's) and describe any drift.

    Exit status 0 when the two fold into the same dossier, 1 when they drift (or a line was
    rejected), as with diff(1).
    """
    base_state, base_rejected = _dossier_state(baseline)
    current_state, current_rejected = _dossier_state(current)
    with _refusals("dossier"):
        drifts = diff_dossier_states(base_state, current_state)
    if fmt == "json":
        click.echo(
            json.dumps([d.model_dump(mode="json") for d in drifts], indent=2, ensure_ascii=False)
        )
    else:
        for line in _render.drifts(
            drifts, dossier_snapshot_hash(base_state), dossier_snapshot_hash(current_state)
        ):
            click.echo(line)
    sys.exit(1 if drifts or base_rejected or current_rejected else 0)


def _dossier_state(file: IO[bytes]) -> Tuple[MissionDossierState, bool]:
    batch = read_events(file)
    _report_rejected(batch)
    with _refusals("dossier"):
        state = reduce_mission_dossier(batch.events)
    return state, bool(batch.rejected)


# ---------------------------------------------------------------------------------- schemas


@main.group()
def schemas() -> None:
    """Export or check the committed JSON schemas."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, writable=True))
def schemas_export(directory: str) -> None:
    """Write every committed schema file into DIRECTORY (created if needed).

    Also writes typed_event.schema.json: one self-contained schema for a whole event whose
    payload is checked against its event type's schema, for JSON Schema tools in any language.
    """
    from spec_kitty_events.schemas import list_schemas, schema_path
    from spec_kitty_events.schemas.generate import schema_to_json
    from spec_kitty_events.schemas.typed_event import TYPED_EVENT_SCHEMA_NAME, typed_event_schema

    names = list_schemas()
    try:
        os.makedirs(directory, exist_ok=True)
        for name in names:
            source = schema_path(name)
            target = os.path.join(directory, source.name)
            with open(target, "w", encoding="utf-8") as out:
                out.write(source.read_text(encoding="utf-8"))
        typed = os.path.join(directory, f"{TYPED_EVENT_SCHEMA_NAME}.schema.json")
        with open(typed, "w", encoding="utf-8") as out:
            out.write(schema_to_json(typed_event_schema()))
    except OSError as error:
        # A directory that cannot be written is a bad argument, as click's own path checks say.
        where = error.filename or directory
        reason = (
            "exists and is not a directory"
            if isinstance(error, FileExistsError)
            else error.strerror or str(error)
        )
        raise click.BadParameter(
            f"cannot write the schemas to {where}: {reason}", param_hint="'DIRECTORY'"
        ) from None
    click.echo(f"exported {len(names)} schemas and {TYPED_EVENT_SCHEMA_NAME} to {directory}")


@schemas.command("check")
def schemas_check() -> None:
    """Regenerate the schemas in memory and compare them with the committed files."""
    from spec_kitty_events.schemas.generate import check_drift

    sys.exit(check_drift())


# ------------------------------------------------------------------------------ conformance


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def conformance(pytest_args: Sequence[str]) -> None:
    """Run the consumer conformance suite (pytest --pyargs spec_kitty_events.conformance).

    Extra arguments are passed to pytest.  Needs pytest installed.
    """
    try:
        import pytest
    except ImportError:
        raise click.ClickException(
            "the conformance suite needs pytest: pip install pytest "
            "'spec-kitty-events[conformance]'"
        ) from None
    sys.exit(int(pytest.main(["--pyargs", "spec_kitty_events.conformance", *pytest_args])))


# ---------------------------------------------------------------------------------- helpers


def _lines_with_progress(file: IO[bytes], progress: Optional[bool]) -> Iterable[bytes]:
    size = _regular_file_size(file)
    wanted = (
        progress
        if progress is not None
        else (size is not None and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty())
    )
    if not wanted or size is None:
        return file
    return _counting(file, size)


def _counting(file: IO[bytes], size: int) -> Iterator[bytes]:
    with click.progressbar(length=size, label="checking", file=sys.stderr) as bar:
        for raw in file:
            bar.update(len(raw))
            yield raw


def _regular_file_size(file: IO[bytes]) -> Optional[int]:
    try:
        stat = os.fstat(file.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return stat.st_size if S_ISREG(stat.st_mode) else None


if __name__ == "__main__":  # pragma: no cover
    main()


# ----------------------------------------------------------------------------------- follow


@main.command()
@click.argument("kind", type=click.Choice(["dossier", "status"]))
@click.option("--store", "store_url", default=None, help=STORE_HELP)
@click.option("--name", default="default", show_default=True, help="Which projections to keep.")
@click.option("--once", is_flag=True, help="Catch up, then exit instead of following.")
@click.option(
    "--rebuild", is_flag=True, help="Drop the checkpoints of NAME first and fold from the start."
)
@click.option(
    "--shards",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="dossier: parts the namespaces are hashed into, each owned by one runner.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    help="Seconds between looks at the store when nothing woke the runner.",
)
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Events read, folded and checkpointed per batch.",
)
@click.option(
    "--ownership", is_flag=True, help="Also print every projection taken or lost, on stderr."
)
def follow(
    kind: str,
    store_url: Optional[str],
    name: str,
    once: bool,
    rebuild: bool,
    shards: int,
    poll: float,
    page_size: int,
    ownership: bool,
) -> None:
    """Keep the KIND projections of a store up to date, printing one JSON line per change.

    Each line names the position reached, the checkpoint key and (dossier) the namespace
    and its canonical snapshot hash.  SIGINT or SIGTERM stops after the batch in hand.
    """
    import signal
    import threading

    from spec_kitty_events.projections import ProjectionRunner

    stop = threading.Event()

    def line(report: Any, stream: IO[str] = sys.stdout) -> None:
        stream.write(json.dumps(report, sort_keys=True) + "\n")
        stream.flush()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    url = store_url or default_store_url()
    try:
        runner = ProjectionRunner(
            url,
            kind,
            name=name,
            shards=shards,
            poll_interval=poll,
            page_size=page_size,
            on_report=line,
            on_ownership=(lambda report: line(report, sys.stderr)) if ownership else None,
        )
    except StoreURLError as error:
        raise click.BadParameter(str(error), param_hint="'--store'") from None
    except (StorageError, ImportError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    with runner, _store_failures():
        if rebuild:
            runner.rebuild()
        runner.run(once=once, stop=stop)
