"""Folding with collections of the youngest generation only.

A fold builds a large, long-lived state out of many small objects, and each of them that
survives a collection is walked again by every collection of the generation it moves to.
CPython starts a full (oldest-generation) collection whenever the objects that survived the
younger generations have grown by a quarter, and each one walks every tracked object in the
process: during a 100,000-event status fold that was about eight walks over a growing heap,
costing about as much as the fold itself and finding nothing, since the state is alive.  The
middle generation is walked every ten young collections, and each walk again finds the
state alive: 0.38 s of a 3 s status fold of 100,000 events went to those walks, 0.07 s once
only the youngest generation was collected (counted with ``gc.callbacks``; the whole run took
about 6% less).

:func:`young_collections_only` therefore collects only the youngest generation while a fold
runs.  Short-lived reference cycles (an exception and its traceback, say) are still freed as
soon as they die young; only garbage that outlived one young collection waits for the
collections after the fold.  Mercurial's ``util.nogc`` does the same for the same reason, but
switches the collector off altogether.

The collector's thresholds belong to the whole process: this only raises the two older
generations' thresholds, counts nested and concurrent users (threads folding at once), and
puts the values it found back when the last one leaves.  A young threshold a caller changes
in the meantime is kept; the two older ones get their old values back.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator, Optional, Tuple

# High enough that no fold reaches it: an older generation's counter grows by one per
# collection of the generation below.
_NEVER = 2**31 - 1

_lock = threading.Lock()
_users = 0
# The middle and oldest thresholds found when the first user came in.
_saved: Optional[Tuple[int, int]] = None


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Run the body collecting only the youngest generation (see the module docstring)."""
    global _users, _saved
    with _lock:
        if _users == 0:
            young, middle, oldest = gc.get_threshold()
            _saved = (middle, oldest)
            gc.set_threshold(young, _NEVER, _NEVER)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                young = gc.get_threshold()[0]
                gc.set_threshold(young, *_saved)
                _saved = None
