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
            gc.enable()
