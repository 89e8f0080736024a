#!/usr/bin/env bash
# The whole test command: fresh virtual environment, lint, types, schema drift, tests with a
# coverage floor, and the consumer conformance suite.  CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -c constraints.txt -e '.[dev,conformance,fast,postgres,cli]'

echo "== ruff"
"$PY" -m ruff check src tests benchmarks scripts
"$PY" -m ruff format --check src tests benchmarks scripts
echo "== mypy --strict"
"$PY" -m mypy --strict src/spec_kitty_events
if [ -f src/spec_kitty_events/schemas/generate.py ]; then
    echo "== schema drift check"
    "$PY" -m spec_kitty_events.schemas.generate --check
fi
echo "== pytest (coverage floor 98%)"
"$PY" -m pytest --cov=spec_kitty_events --cov-report=term --cov-fail-under=98 -q -p no:cacheprovider
echo "== end-to-end benchmark, smoke run (that it runs; no speed is asserted)"
BENCH_OUT="$("$PY" benchmarks/run.py --quick end_to_end)"
echo "$BENCH_OUT"
[ "$(grep -c "events/s" <<<"$BENCH_OUT")" -eq 4 ] || { echo "benchmark smoke run incomplete" >&2; exit 1; }
if [ -f src/spec_kitty_events/conformance/test_pyargs_entrypoint.py ]; then
    echo "== consumer conformance suite"
    "$PY" -m pytest --pyargs spec_kitty_events.conformance -q -p no:cacheprovider
fi
