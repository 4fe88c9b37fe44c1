"""Progress lines for long work: shown only when the model is large (or when asked).

Small models analyse in well under a second, and a progress display would only be noise, so the
default is to stay quiet below :data:`LONG_WORK_COMPONENTS` components. Lines go to standard
error, which a terminal shows beside the output and Jupyter shows under the cell.

Examples
--------
>>> import io
>>> stream = io.StringIO()
>>> progress = Progress(enabled=True, stream=stream, clock=iter([0.0, 1.5]).__next__)
>>> with progress.step("building the attack graph"):
...     pass
>>> print(stream.getvalue().strip())
building the attack graph ... done in 1.5 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: From this many components on, analyses report their progress by default.
LONG_WORK_COMPONENTS = 2_000


class Progress:
    """Writes ``label ... done in N s`` lines for the steps of a long analysis."""

    def __init__(
        self,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.enabled = enabled
        self.stream = stream
        self.clock = clock

    @classmethod
    def for_size(cls, components: int, requested: bool | None = None) -> Progress:
        """On when ``requested`` is True, off when False; when None, on for large models."""
        enabled = requested if requested is not None else components >= LONG_WORK_COMPONENTS
        return cls(enabled=enabled)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Report one step: its label when it starts, its duration when it ends."""
        if not self.enabled:
            yield
            return
        stream = self.stream or sys.stderr
        start = self.clock()
        stream.write(f"{label} ...")
        stream.flush()
        yield
        stream.write(f" done in {self.clock() - start:.1f} s\n")
        stream.flush()

    def note(self, text: str) -> None:
        """One line of news from inside a long step (a planning round, say)."""
        if self.enabled:
            stream = self.stream or sys.stderr
            stream.write(f"{text}\n")
            stream.flush()
