"""Problems found in user input, reported as ``FILE:LINE: message``.

Every stage that reads user input (model files, rule folders, baselines, options) reports what is
wrong as :class:`Problem` values and raises :class:`MaestroInputError` carrying all of them, so a
user sees every problem of a file at once and the CLI can print them and exit with code 2.

Examples
--------
>>> error = MaestroInputError([Problem("arch.yaml", 12, "unknown kind 'vectorstore'")])
>>> print(error)
arch.yaml:12: unknown kind 'vectorstore'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class MaestroInputError(ValueError):
    """Raised when user input (a model, a rule folder, a baseline, an option) is invalid.

    Parameters
    ----------
    problems : iterable of Problem
        Everything found wrong; at least one.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("MaestroInputError needs at least one problem")
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @classmethod
    def single(cls, source: str, line: int | None, message: str) -> MaestroInputError:
        """An error with one problem."""
        return cls([Problem(source, line, message)])


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ``"; did you mean 'x'?"`` suffix when a close candidate exists, else ``""``.

    Examples
    --------
    >>> did_you_mean("plannr", ["planner", "tool"])
    "; did you mean 'planner'?"
    >>> did_you_mean("zzz", ["planner"])
    ''
    """
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""
