"""Console-script entry point that explains a missing optional dependency instead of crashing."""

from __future__ import annotations

import sys


def run() -> None:
    try:
        import click  # noqa: F401
    except ImportError:
        sys.stderr.write(
            "spec-kitty-events: the command line needs click; "
            "install it with: pip install 'spec-kitty-events[cli]'\n"
        )
        raise SystemExit(2) from None
    from spec_kitty_events.cli import main

    main()
