"""``python -m spec_kitty_events``: the same command line as ``spec-kitty-events``."""

from spec_kitty_events._entry import run

# Guarded, so that a worker process importing this module as its parent's main module (as
# multiprocessing may) does not run the command line again.
if __name__ == "__main__":
    run()
