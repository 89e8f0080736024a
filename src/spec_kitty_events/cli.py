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
from stat import S_ISREG
from typing import IO, Any, Callable, Dict, Iterable, Iterator, Optional, Sequence

import click
from pydantic import BaseModel

from spec_kitty_events import _render
from spec_kitty_events._jsonl import EventBatch, LineReport, iter_lines, read_events
from spec_kitty_events._logcheck import Tally, check_line, is_known_event_type
from spec_kitty_events.collaboration import reduce_collaboration_events
from spec_kitty_events.dossier import reduce_mission_dossier
from spec_kitty_events.glossary import reduce_glossary_events
from spec_kitty_events.lifecycle import reduce_lifecycle_events
from spec_kitty_events.mission_next import reduce_mission_next_events
from spec_kitty_events.models import Event, SpecKittyEventsError
from spec_kitty_events.status import reduce_status_events

FORMATS = click.Choice(["text", "json"])
MODES = click.Choice(["strict", "permissive"])
# Files smaller than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 4 * 1024 * 1024


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spec-kitty-events")
def main() -> None:
    """Check, fold and compare spec-kitty event logs (JSON Lines, one envelope per line)."""


# --------------------------------------------------------------------------------- validate


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
              help="text for people; json prints one JSON object per bad line, then a summary.")
@click.option("--strict-types", is_flag=True,
              help="Count events of a type this library does not know as bad lines.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: on for large files on a terminal).")
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

Reducer = Callable[[Sequence[Event], str], BaseModel]

REDUCERS: Dict[str, Reducer] = {
    "status": lambda events, _mode: reduce_status_events(events),
    "lifecycle": lambda events, _mode: reduce_lifecycle_events(events),
    "collaboration": lambda events, mode: reduce_collaboration_events(
        events, mode="strict" if mode == "strict" else "permissive"
    ),
    "glossary": lambda events, mode: reduce_glossary_events(
        events, mode="strict" if mode == "strict" else "permissive"
    ),
    "mission-next": lambda events, _mode: reduce_mission_next_events(events),
    "dossier": lambda events, _mode: reduce_mission_dossier(events),
}


@main.command()
@click.argument("kind", type=click.Choice(sorted(REDUCERS)))
@click.argument("file", type=click.File("rb"))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
              help="text for people; json is the reducer output's model_dump(mode='json').")
@click.option("--mode", type=MODES, default="strict", show_default=True,
              help="collaboration and glossary only: strict raises on unknown participants "
                   "or bad payloads, permissive records them as anomalies.")
def reduce(kind: str, file: IO[bytes], fmt: str, mode: str) -> None:
    """Fold the events of FILE ('-' for stdin) with the KIND reducer and print the state.

    Lines that are not valid envelopes are reported on stderr and left out of the fold; the
    exit status is then 1, although the state of the remaining events is still printed.
    """
    batch = read_events(file)
    _report_rejected(batch)
    try:
        state = REDUCERS[kind](batch.events, mode)
    except (SpecKittyEventsError, ValueError) as error:
        raise click.ClickException(f"{kind} reducer refused the stream: {error}") from None
    _print_state(state.model_dump(mode="json"), fmt)
    sys.exit(1 if batch.rejected else 0)


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


# ---------------------------------------------------------------------------------- schemas


@main.group()
def schemas() -> None:
    """Export or check the committed JSON schemas."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, writable=True))
def schemas_export(directory: str) -> None:
    """Write every committed schema file into DIRECTORY (created if needed)."""
    from spec_kitty_events.schemas import list_schemas, schema_path

    os.makedirs(directory, exist_ok=True)
    names = list_schemas()
    for name in names:
        source = schema_path(name)
        target = os.path.join(directory, source.name)
        with open(target, "w", encoding="utf-8") as out:
            out.write(source.read_text(encoding="utf-8"))
    click.echo(f"exported {len(names)} schemas to {directory}")


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
    wanted = progress if progress is not None else (
        size is not None and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty()
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
