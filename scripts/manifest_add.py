"""Merge fixture entries into the conformance manifest, keeping category order.

Usage: ``python scripts/manifest_add.py ENTRIES.json`` where ENTRIES.json holds a JSON array
of manifest entries.  Entries whose id is already present are replaced in place; new ones are
appended after the last entry of their category (the first path segment), and categories
follow the documented order.  Re-running with the same file changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# The category order is the family registry's, so a new family needs no change here.
from spec_kitty_events._families import fixture_categories  # noqa: E402

MANIFEST = ROOT / "src/spec_kitty_events/conformance/fixtures/manifest.json"
CATEGORY_ORDER = fixture_categories()


def _category_rank(entry: dict[str, object]) -> int:
    category = str(entry["path"]).split("/", 1)[0]
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def merge(manifest: dict[str, object], entries: list[dict[str, object]]) -> dict[str, object]:
    fixtures = list(manifest.get("fixtures", []))  # type: ignore[call-overload]
    index = {entry["id"]: i for i, entry in enumerate(fixtures)}
    for entry in entries:
        if entry["id"] in index:
            fixtures[index[entry["id"]]] = entry
        else:
            index[entry["id"]] = len(fixtures)
            fixtures.append(entry)
    fixtures.sort(key=_category_rank)  # stable: order inside a category is kept
    return {"version": manifest.get("version", "2.0.0"), "fixtures": fixtures}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    entries = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    manifest = (
        json.loads(MANIFEST.read_text(encoding="utf-8"))
        if MANIFEST.exists()
        else {"version": "2.0.0", "fixtures": []}
    )
    merged = merge(manifest, entries)
    MANIFEST.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{MANIFEST}: {len(merged['fixtures'])} entries")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
