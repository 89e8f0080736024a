"""The wheel ships every data file, and the consumer suite passes from an installed wheel.

The wheel is built from a copy of the project (so the shared source tree gets no build
directories), installed into a fresh virtual environment whose only other packages are this
environment's (reached through a ``.pth`` file: no network), and the consumer suite is run
from a directory outside the source tree.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from spec_kitty_events.testing import (
    ClockStorageContract,
    ErrorStorageContract,
    EventStoreContract,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "spec_kitty_events"
_BUILD_FILES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg")


def _run(args: List[str], cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert completed.returncode == 0, f"{args}\n{completed.stdout}\n{completed.stderr}"
    return completed


def _clean_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("project")
    for name in _BUILD_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    out = tmp_path_factory.mktemp("dist")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(project),
        ],
        cwd=project,
        env=_clean_env(),
    )
    (built,) = out.glob("spec_kitty_events-*.whl")
    return built


def _expected_data_files() -> List[str]:
    fixtures = PACKAGE / "conformance" / "fixtures"
    files = [PACKAGE / "py.typed", *sorted((PACKAGE / "schemas").glob("*.schema.json"))]
    files += sorted(p for p in fixtures.rglob("*") if p.suffix in (".json", ".jsonl"))
    files += sorted((PACKAGE / "conformance" / "vectors").rglob("*.json"))
    return [p.relative_to(PACKAGE.parent).as_posix() for p in files]


@pytest.mark.slow
def test_wheel_contains_every_schema_and_fixture(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = _expected_data_files()
    assert len([n for n in expected if n.endswith(".schema.json")]) >= 52
    assert any(n.endswith(".jsonl") for n in expected)
    assert any("/vectors/dossier_snapshot_hash/" in n for n in expected)
    missing = [name for name in expected if name not in names]
    assert missing == []
    assert "spec_kitty_events/conformance/test_pyargs_entrypoint.py" in names
    assert "spec_kitty_events/conformance/conftest.py" in names
    assert "spec_kitty_events/conformance/fixtures/__init__.py" in names
    assert "spec_kitty_events/testing.py" in names
    snapshot = (
        "spec_kitty_events/conformance/fixtures/dossier/replay/canonical_output_snapshot.json"
    )
    if (PACKAGE.parent / snapshot).exists():
        assert snapshot in names


@pytest.fixture(scope="module")
def wheel_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a fresh virtual environment holding only the wheel."""
    home = tmp_path_factory.mktemp("installed")
    venv = home / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=home, env=env)
    python = venv / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        cwd=home,
        env=env,
    )
    target = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=home,
            env=env,
        ).stdout.strip()
    )
    # Dependencies (pydantic, jsonschema, pytest) come from this environment, after the wheel.
    (target / "_host_packages.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    where = _run(
        [str(python), "-c", "import spec_kitty_events; print(spec_kitty_events.__file__)"],
        cwd=home,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    return python


def _pytest_outside_the_source_tree(python: Path, run_dir: Path, *args: str) -> str:
    suite = _run(
        [str(python), "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"],
        cwd=run_dir,
        env=_clean_env(),
    )
    assert " passed" in suite.stdout
    assert "failed" not in suite.stdout
    assert "error" not in suite.stdout
    return suite.stdout


@pytest.mark.slow
def test_consumer_suite_passes_from_the_installed_wheel(wheel_python: Path, tmp_path: Path) -> None:
    _pytest_outside_the_source_tree(
        wheel_python, tmp_path, "--pyargs", "spec_kitty_events.conformance"
    )


@pytest.mark.slow
def test_storage_contract_runs_from_the_installed_wheel(wheel_python: Path, tmp_path: Path) -> None:
    stores_doc = (ROOT / "docs" / "stores.md").read_text(encoding="utf-8")
    section = stores_doc.split("## Proving your own adapter", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "test_my_adapter.py").write_text(example, encoding="utf-8")
    out = _pytest_outside_the_source_tree(wheel_python, tmp_path, "test_my_adapter.py")
    passed = re.search(r"(\d+) passed", out)
    assert passed is not None, out
    # At least one run of every test method of the three classes (parametrized ones run more).
    methods = [
        name
        for contract in (EventStoreContract, ClockStorageContract, ErrorStorageContract)
        for name in dir(contract)
        if name.startswith("test_")
    ]
    assert int(passed.group(1)) >= len(methods)


def _extra(name: str) -> List[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the test command runs 3.11

    with open(ROOT / "pyproject.toml", "rb") as handle:
        return list(tomllib.load(handle)["project"]["optional-dependencies"][name])


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ({"platform_python_implementation": "CPython", "platform_machine": "x86_64"}, True),
        ({"platform_python_implementation": "CPython", "platform_machine": "arm64"}, True),
        ({"platform_python_implementation": "CPython", "platform_machine": "riscv64"}, False),
        ({"platform_python_implementation": "PyPy", "platform_machine": "x86_64"}, False),
    ],
)
def test_the_conformance_extra_brings_the_compiled_engine_only_where_it_has_wheels(
    platform: Dict[str, str], expected: bool
) -> None:
    from packaging.requirements import Requirement

    compiled = [Requirement(r) for r in _extra("conformance") if r.startswith("jsonschema-rs")]
    assert len(compiled) == 1
    assert compiled[0].marker is not None
    assert compiled[0].marker.evaluate(platform) is expected
    # The pure engine is unconditional: it is the fallback everywhere.
    assert any(r.startswith("jsonschema>=") and ";" not in r for r in _extra("conformance"))
