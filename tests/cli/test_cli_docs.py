"""docs/cli.md covers every command and option the console script has, and completion works."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator, List, Tuple

import click
import pytest

from spec_kitty_events.cli import main
from tests.cli.helpers import script_command

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> Iterator[Tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} ")
        else:
            yield path, command


COMMANDS = list(_commands(main))


def _options(command: click.Command) -> List[str]:
    return [
        flag
        for param in command.params
        if isinstance(param, click.Option)
        for flag in param.opts
        if flag.startswith("--") and flag != "--help"
    ]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_the_cli_guide_names_every_command_and_its_options(
    path: str, command: click.Command
) -> None:
    assert f"`{path}" in CLI_DOC or f"{path} " in CLI_DOC
    missing = [flag for flag in _options(command) if flag not in CLI_DOC]
    assert missing == []


def test_the_guide_documents_the_exit_statuses_and_the_url_grammar() -> None:
    for text in ("| 0 |", "| 1 |", "| 2 |", "postgresql+psycopg://", "password=***", "--since"):
        assert text in CLI_DOC


def test_the_readme_points_to_the_guide() -> None:
    assert "[docs/cli.md](docs/cli.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("spec-kitty-events re", "plain,reduce"),
        ("spec-kitty-events reduce mi", "plain,mission-next"),
    ],
)
def test_shell_completion_completes_commands_and_kinds(words: str, expected: str) -> None:
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
        "_SPEC_KITTY_EVENTS_COMPLETE": "bash_complete",
    }
    done = subprocess.run(
        script_command(), capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert done.returncode == 0
    assert done.stdout.split() == [expected]
