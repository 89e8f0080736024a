"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_blocks_of_the_readme_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README should show Python usage"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})


def test_the_readme_names_the_test_command_that_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/check.sh" in text
    assert "bash scripts/check.sh" in ci


def test_the_readme_first_command_uses_shipped_examples() -> None:
    text = README.read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)\n```", text, re.S)
    assert first is not None
    for name in re.findall(r"examples/[\w.]+", first.group(1)):
        assert (README.parent / name).is_file(), name
