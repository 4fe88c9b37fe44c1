"""The incident corpus: documented agentic attacks as models, and the recall of the default query.

Each incident in ``tests/incidents/`` is a model file written from a public source
(``NAME.yaml``, header citing it) and the chains the source describes (``NAME.expect.yaml``), as
the components the attack passes through, in order. A chain the engine reports *matches* one
from the source when it starts at the source's first component, ends at its last, and passes
through the others in order (it may pass through more: a relay the source does not name).

The natural query is the default ``paths`` (top 10, no tuning flags), narrowed only by the
``entry``/``target`` an analyst would ask about when the source says so.

Run ``make incidents`` (or ``python -m tests.incident_corpus [--top N]``) for the recall table.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

import maestro_graph as mg

INCIDENTS = Path(__file__).parent / "incidents"


@dataclass(frozen=True)
class SourceChain:
    """One chain a source describes."""

    incident: str
    id: str
    components: tuple[str, ...]
    entry: tuple[str, ...] | None
    target: tuple[str, ...] | None
    description: str


def incident_names() -> list[str]:
    """Names of the incidents in the corpus, sorted."""
    return sorted(p.name.removesuffix(".expect.yaml") for p in INCIDENTS.glob("*.expect.yaml"))


def source_chains(name: str) -> list[SourceChain]:
    """The chains the source of incident ``name`` describes."""
    data = yaml.safe_load((INCIDENTS / f"{name}.expect.yaml").read_text(encoding="utf-8"))
    chains = []
    for item in data["chains"]:
        query = item.get("query") or {}
        unknown = set(query) - {"entry", "target"}
        if unknown:
            raise ValueError(f"{name}: chain {item['id']}: only entry/target queries: {unknown}")

        def ids(key: str, query: dict = query) -> tuple[str, ...] | None:
            value = query.get(key)
            return None if value is None else tuple([value] if isinstance(value, str) else value)

        chains.append(
            SourceChain(
                name,
                item["id"],
                tuple(item["components"]),
                ids("entry"),
                ids("target"),
                item.get("description", ""),
            )
        )
    return chains


@cache
def _analysis(name: str) -> mg.Analysis:
    return mg.analyze(mg.load_model(INCIDENTS / f"{name}.yaml"))


def matches(route: tuple[str, ...], expected: tuple[str, ...], *, stages: bool = False) -> bool:
    """Whether a chain's route follows the source's components (same ends, in order).

    With ``stages``, a chain that goes on past the source's last component also matches: the
    default ranking folds a chain into a longer one it begins, and shows it as its first stages.

    Examples
    --------
    >>> matches(("issue", "mcp", "agent", "repo"), ("issue", "agent", "repo"))
    True
    >>> matches(("issue", "agent", "repo", "ci"), ("issue", "agent", "repo"))
    False
    >>> matches(("issue", "agent", "repo", "ci"), ("issue", "agent", "repo"), stages=True)
    True
    """
    if not route or route[0] != expected[0]:
        return False
    position = 0
    for component in route:
        if position < len(expected) and component == expected[position]:
            position += 1
            if stages and position == len(expected):
                return True
    return position == len(expected) and route[-1] == expected[-1]


def rank_of(chain: SourceChain, top: int) -> int | None:
    """The rank of the first reported chain that matches ``chain`` in the top ``top``, or None."""
    found = _analysis(chain.incident).paths(top=top, entry=chain.entry, target=chain.target)
    for reported in found:
        if matches(reported.route, chain.components, stages=True):
            return reported.rank
    return None


def recall_table(tops: tuple[int, ...] = (10, 50)) -> tuple[str, dict[int, tuple[int, int]]]:
    """The recall table (markdown) and, per top N, (found, total)."""
    chains = [chain for name in incident_names() for chain in source_chains(name)]
    rows, totals = [], {top: 0 for top in tops}
    for chain in chains:
        ranks = [rank_of(chain, top) for top in tops]
        for top, rank in zip(tops, ranks, strict=True):
            totals[top] += rank is not None
        query = " ".join(
            f"--{key} {','.join(value)}"
            for key, value in (("entry", chain.entry), ("target", chain.target))
            if value
        )
        cells = ["-" if rank is None else str(rank) for rank in ranks]
        rows.append(
            f"| {chain.incident} | {chain.id} | {' > '.join(chain.components)} | "
            f"{query or '(default)'} | " + " | ".join(cells) + " |"
        )
    header = "| incident | chain | source's components | query | " + " | ".join(
        f"rank in top {top}" for top in tops
    )
    rule = "|" + "---|" * (4 + len(tops))
    summary = ", ".join(
        f"top {top}: {totals[top]}/{len(chains)} ({100 * totals[top] / len(chains):.0f}%)"
        for top in tops
    )
    text = "\n".join([header, rule, *rows, "", f"Recall: {summary}"])
    return text, {top: (totals[top], len(chains)) for top in tops}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, action="append", help="top N to measure (repeatable)")
    args = parser.parse_args(argv)
    text, _ = recall_table(tuple(args.top) if args.top else (10, 50))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
