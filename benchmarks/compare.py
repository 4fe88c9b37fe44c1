"""End-to-end `paths` time of this checkout against an earlier revision, on the same machine.

    python benchmarks/compare.py --against af3f97c [--size 10000] [--runs 5]

A ratio between two runs on different days says little on a shared machine whose speed varies
by tens of percent; this measures both versions back to back, alternating, on one generated
model file, and reports the median of each and their ratio. The earlier revision is checked out
into a temporary git worktree and run from there (``python -m maestro_graph`` with the worktree
first on the path), with this checkout's interpreter and dependencies.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _time_paths(checkout: Path, model: Path) -> float:
    command = [sys.executable, "-m", "maestro_graph", "paths", str(model), "--top", "10"]
    start = time.perf_counter()
    subprocess.run(command, cwd=checkout, check=True, capture_output=True)
    return time.perf_counter() - start


def compare(against: str, size: int, runs: int) -> dict[str, float]:
    """Median seconds of `paths FILE --top 10` here and at ``against``, and their ratio."""
    import maestro_graph as mg
    from benchmarks.generate import generate

    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / f"model-{size}.yaml"
        model.write_text(mg.SystemModel.model_validate(generate(size)).to_yaml())
        earlier = Path(folder) / "earlier"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(earlier), against],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            here_times, earlier_times = [], []
            for _ in range(runs):
                earlier_times.append(_time_paths(earlier, model))
                here_times.append(_time_paths(ROOT, model))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT, check=True
            )
    here, before = statistics.median(here_times), statistics.median(earlier_times)
    return {"here_s": here, "earlier_s": before, "ratio": here / before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--size", type=int, default=10_000, help="components (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args()
    result = compare(args.against, args.size, args.runs)
    print(
        f"paths --top 10 on {args.size:,} components, median of {args.runs}: "
        f"{result['here_s']:.2f} s here, {result['earlier_s']:.2f} s at {args.against}, "
        f"ratio {result['ratio']:.2f}"
    )


if __name__ == "__main__":
    main()
