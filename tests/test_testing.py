"""The shipped storage contract (``spec_kitty_events.testing``) as a consumer meets it.

Each run happens in a fresh interpreter, so what the package root loads, and what a consumer's
own test module sees, is not hidden by this suite having imported everything already.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from spec_kitty_events.testing import (
    ClockStorageContract,
    ErrorStorageContract,
    EventStoreContract,
)

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = (EventStoreContract, ClockStorageContract, ErrorStorageContract)


def documented_example() -> str:
    """The Python block of the stores document's section on proving an adapter."""
    text = (ROOT / "docs" / "stores.md").read_text(encoding="utf-8")
    section = text.split("## Proving your own adapter", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, "the section should show a test module"
    return found.group(1)


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def run_pytest(module: Path) -> subprocess.CompletedProcess[str]:
    return run_python(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", module.name, cwd=module.parent
    )


def contract_test_names() -> List[str]:
    return [name for cls in CONTRACTS for name in dir(cls) if name.startswith("test_")]


def test_the_package_root_loads_neither_pytest_nor_the_contract(tmp_path: Path) -> None:
    probe = (
        "import sys, spec_kitty_events\n"
        "print('pytest' in sys.modules, 'spec_kitty_events.testing' in sys.modules)\n"
    )
    result = run_python("-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_the_contract_without_pytest_says_to_install_it(tmp_path: Path) -> None:
    # A None entry in sys.modules makes the import fail as if pytest were not installed.
    probe = "import sys\nsys.modules['pytest'] = None\nimport spec_kitty_events.testing\n"
    result = run_python("-c", probe, cwd=tmp_path)
    assert result.returncode == 1
    assert "spec_kitty_events.testing is a pytest suite: install pytest" in result.stderr


@pytest.mark.parametrize("contract", CONTRACTS)
def test_a_contract_is_abstract_until_the_factory_method_is_given(contract: type) -> None:
    assert inspect.isabstract(contract)
    with pytest.raises(TypeError, match="abstract"):
        contract()


@pytest.mark.slow
def test_the_documented_example_passes_every_contract_test(tmp_path: Path) -> None:
    module = tmp_path / "test_my_adapter.py"
    module.write_text(documented_example(), encoding="utf-8")
    result = run_pytest(module)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None, result.stdout
    # Parametrized tests run more than once, so at least one run per test method.
    assert int(passed.group(1)) >= len(contract_test_names())
    assert "failed" not in result.stdout
    assert "error" not in result.stdout


@pytest.mark.slow
def test_a_store_that_breaks_the_order_fails_the_contract(tmp_path: Path) -> None:
    module = tmp_path / "test_reversed_store.py"
    module.write_text(
        "from spec_kitty_events.storage import InMemoryEventStore\n"
        "from spec_kitty_events.testing import EventStoreContract\n\n\n"
        "class NewestFirst(InMemoryEventStore):\n"
        "    def load_events(self, aggregate_id):\n"
        "        return super().load_events(aggregate_id)[::-1]\n\n\n"
        "class TestNewestFirst(EventStoreContract):\n"
        "    def make_event_store(self):\n"
        "        return NewestFirst()\n",
        encoding="utf-8",
    )
    result = run_pytest(module)
    assert result.returncode == 1
    assert (
        "FAILED test_reversed_store.py::TestNewestFirst::test_events_load_in_lamport_clock_order"
        in (result.stdout)
    )
