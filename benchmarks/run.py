"""The benchmark: build and ranking times, peak memory, and ratios to networkx (DESIGN section 11).

    make bench                      # or: python benchmarks/run.py [--sizes 100,1000,10000,100000]

Each size runs in its own process so peak memory (max RSS) is that size's own. For every size it
reports: model validation, attack-graph build, ranking (`paths --top 10`, our exact search), the
whole analysis call (build + ranking), the reference k-shortest search on the same attack graph
(networkx `shortest_simple_paths`, first 10 paths, virtual source and sink, no filters; igraph's
compiled k-shortest paths as well when python-igraph is installed), their ratio, and the
wall-clock time of fresh `maestro-graph` processes running `paths FILE --top 10` (on the model as
YAML, and again as JSON), `mitigate`, `matrix`, `baseline --band high` and `check` against that
baseline ("-" when one failed or ran past CLI_TIME_LIMIT seconds at that size, with the reason on
stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFERENCE_TIME_LIMIT = 120.0
#: A fresh `maestro-graph` process running longer than this is stopped and reported as "-".
CLI_TIME_LIMIT = 900.0


def _timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _reference_networkx(graph) -> tuple[float | None, int]:  # type: ignore[no-untyped-def]
    import networkx as nx

    reference = nx.DiGraph()
    steps = graph.steps
    for source, target, likelihood in zip(
        steps.source.tolist(), steps.target.tolist(), steps.likelihood.tolist(), strict=True
    ):
        reference.add_edge(source, target, weight=-math.log(likelihood))
    for index in graph.entry_states:
        reference.add_edge("source", index, weight=-math.log(graph.states[index].entry_likelihood))
    for state in graph.states:
        reference.add_edge(state.index, "sink", weight=-math.log(state.impact / 5.0))
    start = time.perf_counter()
    found = 0
    for _ in islice(nx.shortest_simple_paths(reference, "source", "sink", weight="weight"), 10):
        found += 1
        if time.perf_counter() - start > REFERENCE_TIME_LIMIT:
            return None, found
    return time.perf_counter() - start, found


def _reference_igraph(graph) -> float | None:  # type: ignore[no-untyped-def]
    try:
        import igraph
    except ImportError:
        return None
    source, sink = graph.state_count, graph.state_count + 1
    steps = graph.steps
    edges = list(zip(steps.source.tolist(), steps.target.tolist(), strict=True))
    weights = [-math.log(likelihood) for likelihood in steps.likelihood.tolist()]
    for index in graph.entry_states:
        edges.append((source, index))
        weights.append(-math.log(graph.states[index].entry_likelihood))
    for state in graph.states:
        edges.append((state.index, sink))
        weights.append(-math.log(state.impact / 5.0))
    reference = igraph.Graph(n=graph.state_count + 2, edges=edges, directed=True)
    start = time.perf_counter()
    reference.get_k_shortest_paths(source, sink, k=10, weights=weights)
    return time.perf_counter() - start


def _fresh_process_s(
    size: int, command: list[str], accepted: tuple[int, ...] = (0,)
) -> float | None:
    """Wall-clock seconds of one fresh process, or None (said on stderr) on another exit status."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIME_LIMIT)
    except subprocess.TimeoutExpired:
        print(
            f"{command[1]} stopped at {size:,} components after {CLI_TIME_LIMIT:.0f} s",
            file=sys.stderr,
        )
        return None
    seconds = time.perf_counter() - start
    if done.returncode in accepted:
        return seconds
    lines = done.stderr.strip().splitlines()
    reason = lines[-1] if lines else "no stderr"
    print(
        f"{command[1]} failed at {size:,} components (exit status {done.returncode}): {reason}",
        file=sys.stderr,
    )
    return None


def _gate_timings(size: int, executable: str, path: Path, folder: Path) -> dict[str, float | None]:
    """Fresh-process times of `matrix`, `baseline --band high` and `check` on that baseline."""
    baseline = folder / "baseline.yaml"
    model = str(path)
    timings = {
        "matrix_s": _fresh_process_s(size, [executable, "matrix", model]),
        "baseline_s": _fresh_process_s(
            size, [executable, "baseline", model, "--band", "high", "-o", str(baseline)]
        ),
    }
    if timings["baseline_s"] is None:
        print(f"check skipped at {size:,} components: no baseline", file=sys.stderr)
        timings["check_s"] = None
    else:
        # Exit status 1 (a chain not accepted) is a normal gate outcome, as is 0.
        command = [executable, "check", model, "--baseline", str(baseline)]
        timings["check_s"] = _fresh_process_s(size, command, accepted=(0, 1))
    return timings


def measure(size: int) -> dict:
    """Measure one size in this process."""
    import maestro_graph as mg
    from benchmarks.generate import generate
    from maestro_graph.engine.propagation import build_attack_graph
    from maestro_graph.engine.ranking import ChainQuery, search_chains

    data = generate(size)
    model, validate_s = _timed(mg.SystemModel.model_validate, data)
    catalog = mg.load_catalog()
    graph, build_s = _timed(build_attack_graph, model, catalog)
    # The search loads SciPy on first use; loading a library is not ranking (the references'
    # imports are not timed either).
    import scipy.sparse.csgraph  # noqa: F401

    chains, rank_s = _timed(search_chains, graph, ChainQuery(top=10))
    # Our peak, before the reference builds its own copy of the graph in this process.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nx_s, nx_found = _reference_networkx(graph)
    result = {
        "components": size,
        "flows": len(model.flows),
        "states": graph.state_count,
        "transitions": graph.transition_count,
        "chains": len(chains),
        "validate_s": validate_s,
        "build_s": build_s,
        "rank_s": rank_s,
        "analysis_s": build_s + rank_s,
        "networkx_s": nx_s,
        "networkx_paths": nx_found,
        "igraph_s": _reference_igraph(graph),
        "peak_mib": peak_mib,
    }
    del graph, chains  # the commands below run in processes of their own
    result.update(_cli_timings(size, model))
    return result


def _cli_timings(size: int, model) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    """Fresh-process times of `paths` (from YAML and from JSON), `mitigate` and the gate's."""
    script = Path(sys.executable).parent / "maestro-graph"
    executable = str(script) if script.exists() else "maestro-graph"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"model-{size}.yaml"
        path.write_text(model.to_yaml())
        # The same model as JSON, which the standard library's C parser reads.
        json_path = path.with_suffix(".json")
        json_path.write_text(json.dumps(model.to_data()))
        timings = {
            "cli_s": _fresh_process_s(size, [executable, "paths", str(path), "--top", "10"]),
            "cli_json_s": _fresh_process_s(
                size, [executable, "paths", str(json_path), "--top", "10"]
            ),
            # The exact planner (default --threshold high).
            "mitigate_s": _fresh_process_s(size, [executable, "mitigate", str(path)]),
        }
        timings.update(_gate_timings(size, executable, path, Path(folder)))
    return timings


def _format(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100,1000,10000,100000", help="comma-separated component counts"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"measuring {size:,} components ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        sys.stderr.write(done.stderr)  # the child's notes, such as a CLI timing that failed
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"maestro-graph benchmark on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print()
    header = [
        "components",
        "flows",
        "states",
        "transitions",
        "build s",
        "rank s",
        "analysis s",
        "CLI s",
        "CLI JSON s",
        "mitigate s",
        "matrix s",
        "baseline s",
        "check s",
        "peak MiB",
        "networkx s",
        "nx s / rank s",
        "igraph s",
        "rank s / igraph s",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        ratio = None if r["networkx_s"] is None else r["networkx_s"] / max(r["rank_s"], 1e-9)
        nx_text = (
            _format(r["networkx_s"])
            if r["networkx_s"] is not None
            else f"> {REFERENCE_TIME_LIMIT:.0f} ({r['networkx_paths']} paths)"
        )
        cells = [
            f"{r['components']:,}",
            f"{r['flows']:,}",
            f"{r['states']:,}",
            f"{r['transitions']:,}",
            _format(r["build_s"]),
            _format(r["rank_s"]),
            _format(r["analysis_s"]),
            _format(r.get("cli_s")),
            _format(r.get("cli_json_s")),
            _format(r.get("mitigate_s")),
            _format(r.get("matrix_s")),
            _format(r.get("baseline_s")),
            _format(r.get("check_s")),
            f"{r['peak_mib']:.0f}",
            nx_text,
            _format(ratio, 1),
            _format(r["igraph_s"]),
            _format(r["rank_s"] / r["igraph_s"] if r["igraph_s"] else None, 1),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "rank s: our exact top-10 search with default filters "
        "(any layer mix, best per route, 8 hops);"
    )
    print(
        "networkx s: shortest_simple_paths, first 10 paths on the same attack graph (no filters);"
    )
    print("igraph s: get_k_shortest_paths, k=10, on that graph (when python-igraph is installed).")


if __name__ == "__main__":
    main()
