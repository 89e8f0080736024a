"""``python -m spec_kitty_events``: the same command line as ``spec-kitty-events``."""

from spec_kitty_events._entry import run

run()
