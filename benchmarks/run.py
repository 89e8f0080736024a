"""Run every benchmark and print each figure with its floor and ratio.

Usage: ``python benchmarks/run.py [--quick] [NAME ...]`` where NAME filters the ``bench_*``
modules (``python benchmarks/run.py status`` runs ``bench_status.py`` only).
Each ``bench_<name>.py`` module defines ``run(quick: bool) -> list[Figure]``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    for module_name in modules:
        module = importlib.import_module(module_name)
        print(f"== {module_name.removeprefix('bench_')}", flush=True)
        for figure in module.run(args.quick):
            print("  " + figure.render(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
