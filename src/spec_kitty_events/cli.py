"""The ``spec-kitty-events`` command line: check, fold, compare and move JSONL event logs.

Every command reads one event envelope per line, from a file, from stdin (``-``) or from a
store (``--store URL``, or ``$SPEC_KITTY_EVENTS_STORE`` when no FILE is given).  A bad line never
hides the others: it is reported with its line number, event id, field path and message, and
reading goes on.

Exit statuses, as diff(1) and git use them: 0 the input is valid (or the streams are the same);
1 it had bad lines (or the streams drift); 2 trouble: a usage error, a file or store that cannot
be read, a stream the reducer refuses, or nothing to fold where something was expected.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager, suppress
from stat import S_ISREG
from typing import IO, Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

import click

from spec_kitty_events import _render
from spec_kitty_events._families import reducing_families
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._jsonl import (
    EventBatch,
    LineReport,
    Problem,
    RawLine,
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
from spec_kitty_events._stream import STREAMED_KINDS, fold_log, fold_store
from spec_kitty_events._workers import Checkers, Refusal, Source, Storable, default_jobs
from spec_kitty_events.dossier import MissionDossierState, reduce_mission_dossier
from spec_kitty_events.dossier_parity import (
    diff_dossier_states,
    dossier_snapshot_hash,
    dossier_snapshot_projection,
    reduce_dossier_by_namespace,
)
from spec_kitty_events.models import Event, SpecKittyEventsError, StorageError
from spec_kitty_events.stores._common import EventRow, RejectedEventError

FORMATS = click.Choice(["text", "json"])
MODES = click.Choice(["strict", "permissive"])
# Files smaller than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 4 * 1024 * 1024
# Events appended to a store per transaction by `ingest`.
INGEST_BATCH = 1000
URL_FORMS = "sqlite:///PATH (relative), sqlite:////PATH (absolute) or postgresql://..."
STORE_HELP = (
    f"Event store URL: {URL_FORMS}; default ${STORE_ENV} or sqlite:///spec-kitty-events.db."
)
READ_STORE_HELP = (
    f"Read the events from this store instead of FILE: {URL_FORMS}; opened read-only. "
    f"Without FILE or --store, the store named by ${STORE_ENV} is read."
)
# Bad lines of a pretty-printed document are counted but not listed after this note.
PRETTY_STARTS = {b"{": "jq -c . FILE", b"[": "jq -c '.[]' FILE"}

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")
# Events per read_since call of `export --since`: one page in memory at a time.
EXPORT_PAGE = 1000


class Trouble(click.ClickException):
    """The command could not give its answer: a store that fails, a stream its reducer refuses,
    nothing to fold.  Exit status 2, so that 1 keeps meaning "invalid" or "drift"."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spec-kitty-events")
def main() -> None:
    """Check, fold and compare spec-kitty event logs (JSON Lines, one envelope per line).

    Exit status: 0 valid or same, 1 invalid lines or drift, 2 trouble (usage, unreadable input
    or store, a refused stream, nothing to fold).  See docs/cli.md.
    """


# ------------------------------------------------------------------------------ line reports


class _Reporter:
    """Prints the reports of bad lines: all, the first N (--max-errors) or none (--quiet).

    A document whose first line is a lone ``{`` or ``[`` and whose next line is indented is
    pretty-printed JSON, not JSON Lines: that is said once, and its lines that are not JSON
    objects are counted, not listed.
    """

    def __init__(
        self, fmt: str, max_errors: Optional[int], quiet: bool, *, to_stderr: bool, unit: str
    ) -> None:
        self.fmt = fmt
        self.max_errors = max_errors
        self.quiet = quiet
        self.to_stderr = to_stderr
        self.unit = unit
        self.shown = 0
        self.hidden = 0
        self.pretty_fix: Optional[str] = None
        self._pretty_noted = False

    def sniff(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        """Pass the lines on, deciding first whether they are a pretty-printed document: a
        lone ``{`` or ``[``, then an indented line.  A log that merely starts with a broken
        line is not one, and has every bad line reported."""
        lines = iter(lines)
        head: List[bytes] = []
        for raw in lines:
            head.append(raw)
            if raw.strip():
                break
        fix = PRETTY_STARTS.get(head[-1].strip()) if head else None
        if fix is not None:
            for raw in lines:
                head.append(raw)
                if raw.strip():
                    if raw[:1] in (b" ", b"\t"):
                        self.pretty_fix = fix
                    break
        yield from head
        yield from lines

    def report(self, report: LineReport) -> None:
        if self.pretty_fix is not None and all(p.layer == "json" for p in report.problems):
            self._note_pretty(report.line)
            self.hidden += 1
            return
        if self.quiet or (self.max_errors is not None and self.shown >= self.max_errors):
            self.hidden += 1
            return
        self.shown += 1
        if self.fmt == "json":
            click.echo(json.dumps(report.as_json(), sort_keys=True), err=self.to_stderr)
            return
        for line in _render.line_report(report, self.unit):
            click.echo(line, err=self.to_stderr)

    def _note_pretty(self, line: int) -> None:
        if not self._pretty_noted:
            self._pretty_noted = True
            click.echo(
                f"{self.unit} {line}: this looks like pretty-printed JSON (one document over "
                "many lines), not JSON Lines (one event per line); its lines that are not JSON "
                f"objects are counted, not listed.  Convert it with: {self.pretty_fix}",
                err=True,
            )

    def finish(self) -> None:
        """Say how many reports were left out, unless --quiet asked for exactly that."""
        if self.hidden and not self.quiet:
            why = f"--max-errors {self.max_errors}" if self.max_errors is not None else "see above"
            click.echo(f"{self.hidden} more bad {self.unit}s not shown ({why})", err=True)


def _report_options(command: _F) -> _F:
    """--max-errors and --quiet, the same on every command that reports bad lines."""
    command = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Report no bad line, only the summary; the exit status still tells.",
    )(command)
    return click.option(
        "--max-errors",
        type=click.IntRange(min=0),
        metavar="N",
        default=None,
        help="Report the first N bad lines only (all are still counted).",
    )(command)


def _progress_option(command: _F) -> _F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar on stderr (default: on for large files on a terminal).",
    )(command)


def _store_option(command: _F) -> _F:
    return click.option("--store", "store_url", metavar="URL", help=READ_STORE_HELP)(command)


# --------------------------------------------------------------------------------- validate


@main.command()
@click.argument("file", type=click.File("rb"), required=False)
@_store_option
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
@_report_options
@_progress_option
def validate(
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    fmt: str,
    strict_types: bool,
    max_errors: Optional[int],
    quiet: bool,
    progress: Optional[bool],
) -> None:
    """Check every line of FILE ('-' for stdin), or every event of a store, as an envelope and
    through validate_event.

    Every bad line is reported with its line number, event id, field path and message (for a
    store: its position in the store's read order).  Exit status 1 when any line is bad.
    """
    url = _store_source(file, store_url)
    reporter = _Reporter(
        fmt, max_errors, quiet, to_stderr=False, unit="line" if url is None else "stored event"
    )
    if url is None:
        assert file is not None
        raws: Iterable[RawLine] = iter_lines(reporter.sniff(_lines_with_progress(file, progress)))
    else:
        raws = _stored_lines(url)
    tally = Tally()
    for raw in raws:
        report = check_line(raw, strict_types=strict_types)
        tally.add(report, _unchecked_type(report))
        if not report.ok:
            reporter.report(report)
    reporter.finish()
    _emit_summary(tally, fmt)
    sys.exit(1 if tally.invalid else 0)


def _unchecked_type(report: LineReport) -> Optional[str]:
    if report.ok and report.event_type is not None and not is_known_event_type(report.event_type):
        return report.event_type
    return None


def _emit_summary(tally: Tally, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"summary": tally.as_json()}, sort_keys=True))
        return
    click.echo(_render.summary(tally))


def _stored_lines(url: str) -> Iterator[RawLine]:
    """A store's events as the decoded lines of a log, numbered in the store's read order,
    read a page at a time."""
    with _opened_store(url, read_only=True) as store, _store_failures():
        for number, event in enumerate(store.iter_events(), start=1):
            yield RawLine(number, event.model_dump(mode="json"), None)


# ----------------------------------------------------------------------------------- reduce

# Every family with a reducer is a KIND, under its name with dashes (mission_next ->
# mission-next); the choices are listed sorted.
REDUCERS = reducing_families()
MODAL_KINDS = " and ".join(kind for kind, family in REDUCERS.items() if family.reducer_takes_mode)


@main.command()
@click.argument("kind", type=click.Choice(sorted(REDUCERS)))
@click.argument("file", type=click.File("rb"), required=False)
@_store_option
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text is YAML that reads back to the json value; json is the reducer output's "
    "model_dump(mode='json').",
)
@click.option(
    "--mode",
    type=MODES,
    default="strict",
    show_default=True,
    help=f"{MODAL_KINDS} only: strict raises on unknown participants "
    "or bad payloads (the stream is refused: exit 2), permissive records them as anomalies.",
)
@click.option(
    "--by-namespace",
    is_flag=True,
    help="dossier only: split the stream by namespace and print one state per "
    "namespace (events without a readable namespace under 'null').",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Print the empty state of an input without events of KIND instead of exiting 2.",
)
@_report_options
@_progress_option
def reduce(
    kind: str,
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    fmt: str,
    mode: str,
    by_namespace: bool,
    allow_empty: bool,
    max_errors: Optional[int],
    quiet: bool,
    progress: Optional[bool],
) -> None:
    """Fold the events of FILE ('-' for stdin), or of a store, with the KIND reducer.

    Without FILE or --store, the events come from the store named by $SPEC_KITTY_EVENTS_STORE.

    Lines that are not valid envelopes are reported on stderr and left out of the fold; the
    exit status is then 1, although the state of the remaining events is still printed.  An
    input without events of KIND exits 2 (nothing to fold) unless --allow-empty.
    """
    if by_namespace and kind != "dossier":
        raise click.UsageError("--by-namespace applies to the dossier reducer only")
    reporter = _Reporter("text", max_errors, quiet, to_stderr=True, unit="line")

    def fold(events: Iterable[Event]) -> Tuple[int, Any]:
        """The number of events folded (namespaces, with --by-namespace) and the dump."""
        if by_namespace:
            states = reduce_dossier_by_namespace(events)
            return len(states), {
                _namespace_label(key): state.model_dump(mode="json")
                for key, state in states.items()
            }
        state = REDUCERS[kind].reduce(events, mode)
        return int(getattr(state, "event_count", 1)), state.model_dump(mode="json")

    streams = kind in STREAMED_KINDS and not by_namespace
    # The reducers defer full collections while they fold (see _gc); the state they leave is
    # alive until it is printed, so a full collection before then would walk all of it and
    # find nothing.  Deferred to here, it runs once the state is gone.
    with young_collections_only():
        read, rejected, outcome = _folded(file, store_url, fold, streams, reporter, progress)
        with _refusals(kind):
            folded, dumped = outcome()
        if not folded and not allow_empty:
            raise Trouble(
                f"no {kind} events among the {read} events read: nothing to fold "
                "(--allow-empty prints the empty state)"
            )
        _print_state(dumped, fmt)
    sys.exit(1 if rejected else 0)


def _namespace_label(key: Optional[Sequence[str]]) -> str:
    return "null" if key is None else "/".join(key)


@contextmanager
def _refusals(what: str) -> Iterator[None]:
    """Turn a reducer's documented refusal into a one-line error instead of a traceback."""
    try:
        yield
    except (SpecKittyEventsError, ValueError) as error:
        raise Trouble(f"{what} reducer refused the stream: {_render.refusal(error)}") from None


def _store_source(file: Optional[IO[bytes]], store_url: Optional[str]) -> Optional[str]:
    """The store URL to read, or ``None`` to read FILE; a usage error unless exactly one."""
    if file is not None and store_url is not None:
        raise click.UsageError("give either FILE or --store URL, not both")
    if file is not None:
        return None
    url = store_url or os.environ.get(STORE_ENV)
    if not url:
        raise click.UsageError(f"give either FILE or --store URL (or set ${STORE_ENV})")
    return url


def _events_from(
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    reporter: _Reporter,
    progress: Optional[bool] = None,
) -> EventBatch:
    """The events to fold: from a JSONL file (bad lines reported) or from a store."""
    url = _store_source(file, store_url)
    if url is None:
        assert file is not None
        return _file_events(file, reporter, progress)
    events = _load_store(url)
    return EventBatch(events, [], len(events))


def _folded(
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    fold: Callable[[Iterable[Event]], _T],
    streams: bool,
    reporter: _Reporter,
    progress: Optional[bool],
) -> Tuple[int, int, Callable[[], _T]]:
    """Fold the events of a JSONL file (bad lines reported) or of a store, streamed in fold
    order where the source allows (see ``_stream``): the number of events read, the number
    of lines rejected, and the outcome of the fold (its result, or its exception raised
    again)."""
    url = _store_source(file, store_url)
    if url is None:
        assert file is not None

        def lines(source: IO[bytes]) -> Iterable[bytes]:
            return reporter.sniff(_lines_with_progress(source, progress, "reading"))

        batch, outcome = fold_log(file, fold, streams=streams, lines=lines)
        _report_rejected(batch, reporter)
        return batch.lines_read - len(batch.rejected), len(batch.rejected), outcome
    with _opened_store(url, read_only=True) as store, _store_failures():
        return store.count(), 0, fold_store(store, fold, streams=streams)


def _file_events(file: IO[bytes], reporter: _Reporter, progress: Optional[bool]) -> EventBatch:
    batch = read_events(reporter.sniff(_lines_with_progress(file, progress, "reading")))
    _report_rejected(batch, reporter)
    return batch


def _report_rejected(batch: EventBatch, reporter: _Reporter) -> None:
    for report in batch.rejected:
        reporter.report(report)
    reporter.finish()
    if batch.rejected:
        click.echo(
            f"skipped {len(batch.rejected)} of {batch.lines_read} lines that are not valid "
            "event envelopes",
            err=True,
        )


def _load_store(url: str) -> List[Event]:
    """Every stored event, for a command that needs them all at once (read in pages)."""
    with _opened_store(url, read_only=True) as store, _store_failures():
        return store.load_all_events()


def _print_state(dumped: Any, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(dumped, indent=2, sort_keys=False, ensure_ascii=False))
    else:
        click.echo("\n".join(_render.yaml(dumped)))


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
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that check lines, this one included (default: one per core, at most one "
    "per MiB of a file, 1 for a pipe; 1: no workers).",
)
@_report_options
@_progress_option
def ingest(
    file: IO[bytes],
    store_url: Optional[str],
    fmt: str,
    jobs: Optional[int],
    max_errors: Optional[int],
    quiet: bool,
    progress: Optional[bool],
) -> None:
    """Validate FILE ('-' for stdin) line by line and append the good events to a store.

    Bad lines are reported as `validate` reports them and not stored; an event whose id is
    already stored with different content is rejected by the store and reported by line.
    Appending the same file twice stores every event once.  The summary counts the events
    this run stored and the valid ones that were already there (another process's events,
    stored meanwhile, are in neither).  Exit status 1 when any line was rejected, 2 when the
    store cannot be opened or fails.  With more than one job, chunks of a large file are
    checked in worker processes too; reports, counts and stored order are the same.
    """
    url = store_url or default_store_url()
    reporter = _Reporter(fmt, max_errors, quiet, to_stderr=False, unit="line")
    tally = Tally()
    pending: List[Tuple[LineReport, Storable]] = []
    added = 0
    # The workers start before the store opens (see _workers.Checkers).  Full collections
    # are deferred (see _gc), here and in the workers, which inherit the setting: what
    # outlives the young generations is chunks in flight, freed by their reference counts
    # once stored, and each full collection walked every object of the imported library.
    jobs = jobs or default_jobs(_regular_file_size(file))
    with (
        young_collections_only(),
        Checkers(jobs) as checkers,
        _opened_store(url) as store,
        _store_failures(),
    ):
        lines = reporter.sniff(_lines_with_progress(file, progress, "ingesting"))
        for report, storable in checkers.checked(lines, _source(file)):
            tally.add(report, _unchecked_type(report))
            if storable is None:
                reporter.report(report)
                continue
            pending.append((report, storable))
            if len(pending) >= INGEST_BATCH:
                added += _append(store, pending, tally, reporter)
        added += _append(store, pending, tally, reporter)
    reporter.finish()
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


def _append(
    store: OpenedStore,
    pending: List[Tuple[LineReport, Storable]],
    tally: Tally,
    reporter: _Reporter,
) -> int:
    """Append a batch in one transaction; if the store refuses an event, find the refused
    lines and store the rest.  Returns how many events this call stored."""
    rows = [item for _, item in pending if isinstance(item, EventRow)]
    added: Optional[int] = None
    if rows and len(rows) == len(pending):
        # A refused event fails the whole transaction: then each line is stored on its own.
        with suppress(RejectedEventError):
            added = store.save_rows(rows)
    if added is None:
        added = sum(_append_alone(store, report, item, tally, reporter) for report, item in pending)
    pending.clear()
    return added


def _append_alone(
    store: OpenedStore, report: LineReport, item: Storable, tally: Tally, reporter: _Reporter
) -> int:
    """Store one line's event on its own; a refusal is reported against the line."""
    if isinstance(item, EventRow):
        try:
            return store.save_rows([item])
        except RejectedEventError as error:
            item = Refusal.of(error)
    tally.valid -= 1
    tally.invalid += 1
    problem = Problem("store", item.field, item.message)
    reporter.report(LineReport(report.line, item.event_id, report.event_type, (problem,)))
    return 0


@contextmanager
def _store_failures() -> Iterator[None]:
    """A store that fails (rather than refusing one event) ends the command with its message."""
    try:
        yield
    except StorageError as error:
        raise Trouble(str(error)) from None


@contextmanager
def _opened_store(url: str, read_only: bool = False) -> Iterator[OpenedStore]:
    try:
        store = open_event_store(url, read_only=read_only)
    except StoreURLError as error:
        raise click.BadParameter(str(error), param_hint="'--store'") from None
    except (StorageError, ImportError) as error:
        raise Trouble(str(error)) from None
    try:
        yield store
    finally:
        store.close()


# ----------------------------------------------------------------------------------- export


@main.command()
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=f"The store to read: {URL_FORMS}; opened read-only; default ${STORE_ENV}.",
)
@click.option(
    "--output",
    "-o",
    type=click.File("wb"),
    default="-",
    show_default=True,
    help="Where to write the JSON Lines ('-' for stdout).",
)
@click.option(
    "--since",
    type=click.IntRange(min=0),
    default=None,
    metavar="POSITION",
    help="Only the events stored after POSITION, in position (commit) order; the last "
    "position written is reported on stderr, to pass as --since next time.",
)
def export(store_url: Optional[str], output: IO[bytes], since: Optional[int]) -> None:
    """Write every event of a store as JSON Lines, one envelope per line, in the store's read
    order (with --since, the events after a position, in position order).

    The output is what `validate` accepts and what `ingest` turns back into the same store
    content.  Exit status 2 when the store cannot be read.
    """
    url = _store_source(None, store_url)
    assert url is not None
    if since is None:
        with _opened_store(url, read_only=True) as store, _store_failures():
            for event in store.iter_events():
                _write_event(output, event)
        output.flush()
        return
    written, position = 0, since
    with _opened_store(url, read_only=True) as store, _store_failures():
        while page := store.read_since(position, limit=EXPORT_PAGE):
            for stored in page:
                _write_event(output, stored.event)
            written += len(page)
            position = page[-1].position
    output.flush()
    click.echo(
        f"exported {written} events after position {since}; last position {position}", err=True
    )


def _write_event(output: IO[bytes], event: Event) -> None:
    line = json.dumps(event.model_dump(mode="json"), ensure_ascii=False)
    output.write(line.encode("utf-8") + b"\n")


# ------------------------------------------------------------------------------ hash / diff


@main.command("hash")
@click.argument("file", type=click.File("rb"), required=False)
@_store_option
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="json adds the projection the hash is computed over.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Print the hash of the empty dossier for an input without dossier events "
    "instead of exiting 2.",
)
@_report_options
def hash_command(
    file: Optional[IO[bytes]],
    store_url: Optional[str],
    fmt: str,
    allow_empty: bool,
    max_errors: Optional[int],
    quiet: bool,
) -> None:
    """Print the canonical snapshot hash of the dossier stream in FILE (or a store).

    The formula is documented in docs/dossier-parity.md: SHA-256 over the RFC 8785 JSON of a
    projection of the reduced dossier state.  An input without dossier events exits 2 unless
    --allow-empty: its hash would be that of an empty dossier, which no mission has.
    """
    reporter = _Reporter("text", max_errors, quiet, to_stderr=True, unit="line")
    state, rejected = _dossier_state(
        _events_from(file, store_url, reporter), "the input", allow_empty
    )
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
@click.argument("streams", nargs=-1, type=click.File("rb"), metavar="[BASELINE] CURRENT")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help=f"Read BASELINE from this store: {URL_FORMS}; opened read-only.  Without BASELINE or "
    f"--store, the store named by ${STORE_ENV} is the baseline.",
)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="json prints the drift payloads (MissionDossierParityDriftDetected).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Compare a side without dossier events as an empty dossier instead of exiting 2.",
)
@_report_options
def diff(
    streams: Sequence[IO[bytes]],
    store_url: Optional[str],
    fmt: str,
    allow_empty: bool,
    max_errors: Optional[int],
    quiet: bool,
) -> None:
    """Compare two dossier streams (say, the CLI's and the SaaS's) and describe any drift.

    BASELINE and CURRENT are files ('-' for stdin); with a single CURRENT, the baseline is the
    store of --store (or $SPEC_KITTY_EVENTS_STORE).  Exit status 0 when the two fold into the
    same dossier, 1 when they drift (or a line was rejected), as with diff(1); 2 when a side
    cannot be read, its reducer refuses it, or it has no dossier events (unless --allow-empty).
    """
    if not 1 <= len(streams) <= 2:
        raise click.UsageError("give BASELINE and CURRENT, or CURRENT with --store URL")
    reporter = _Reporter("text", max_errors, quiet, to_stderr=True, unit="line")
    if len(streams) == 2:
        if store_url is not None:
            raise click.UsageError("give either BASELINE or --store URL, not both")
        baseline = _events_from(streams[0], None, reporter)
    else:
        baseline = _events_from(None, store_url, reporter)
    current = _events_from(streams[-1], None, reporter)
    base_state, base_rejected = _dossier_state(baseline, "the baseline", allow_empty)
    current_state, current_rejected = _dossier_state(current, "the current stream", allow_empty)
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


def _dossier_state(
    batch: EventBatch, side: str, allow_empty: bool
) -> Tuple[MissionDossierState, bool]:
    with _refusals("dossier"):
        state = reduce_mission_dossier(batch.events)
    if not state.event_count and not allow_empty:
        raise Trouble(
            f"{side} has no dossier events among its {len(batch.events)} events "
            "(--allow-empty treats it as an empty dossier)"
        )
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


def _lines_with_progress(
    file: IO[bytes], progress: Optional[bool], label: str = "checking"
) -> Iterable[bytes]:
    size = _regular_file_size(file)
    wanted = (
        progress
        if progress is not None
        else (size is not None and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty())
    )
    if not wanted or size is None:
        return file
    return _counting(file, size, label)


def _counting(file: IO[bytes], size: int, label: str) -> Iterator[bytes]:
    with click.progressbar(length=size, label=label, file=sys.stderr) as bar:
        for raw in file:
            bar.update(len(raw))
            yield raw


def _source(file: IO[bytes]) -> Optional[Source]:
    """A regular file as workers can read it again, from where this process starts reading."""
    if _regular_file_size(file) is None:
        return None
    return Source(file.fileno(), file.tell())


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
        raise Trouble(str(error)) from None
    with runner, _store_failures():
        if rebuild:
            runner.rebuild()
        runner.run(once=once, stop=stop)
