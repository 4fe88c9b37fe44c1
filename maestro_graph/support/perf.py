"""Small helpers for the allocation-heavy stages (reading and validating large models, building the
graph, ranking chains)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures.

    Building hundreds of thousands of small objects triggers repeated full collections that find
    nothing to free (these structures hold no reference cycles); pausing halves the build time
    of a 10,000-component model. The collector's previous state is restored on exit.

    In a process that froze its long-lived objects (``gc.freeze()``, as the command line does at
    start), what was built during the pause is frozen too on exit: otherwise the first young
    collection after it scans every object built (the 3 million of a 100,000-component model's
    document, 0.3 s each time) only to promote them. The Python API, which does not freeze, is
    left as it was.

    Examples
    --------
    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count():
                gc.freeze()
            gc.enable()
