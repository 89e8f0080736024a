"""Folding without full garbage collections.

A fold builds a large, long-lived state out of many small objects.  CPython starts a full
(oldest-generation) collection whenever the objects that survived the younger generations
have grown by a quarter, and each full collection walks every tracked object in the process:
during a 100,000-event status fold that is about eight walks over a growing heap, which cost
about as much as the fold itself and find nothing, since the state is alive.

:func:`young_collections_only` defers full collections while a fold runs.  The young
generations are still collected as usual, so short-lived reference cycles (an exception and
its traceback, say) are still freed as soon as they die young; only garbage that outlived
them waits for the next full collection after the fold.  Mercurial's ``util.nogc`` does the
same for the same reason, but switches the collector off altogether.

The collector's thresholds belong to the whole process: this only raises the oldest
generation's threshold, counts nested and concurrent users (threads folding at once), and
puts the value it found back when the last one leaves.  Thresholds a caller changes in the
meantime are kept, except the oldest generation's, which gets its old value back.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

# High enough that no fold reaches it: gen2's counter grows by one per gen1 collection.
_NEVER = 2**31 - 1

_lock = threading.Lock()
_users = 0
_saved_oldest: Optional[int] = None


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Run the body with full collections deferred (see the module docstring)."""
    global _users, _saved_oldest
    with _lock:
        if _users == 0:
            young, middle, oldest = gc.get_threshold()
            _saved_oldest = oldest
            gc.set_threshold(young, middle, _NEVER)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved_oldest is not None:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _saved_oldest)
                _saved_oldest = None
