"""MAESTRO step 6: regression testing of architecture changes (DESIGN section 7).

Three tools, all keyed on the chain fingerprint (``c-`` + 12 hex digits over the chain's
(component, threat) sequence, see :func:`maestro_graph.engine.ranking.chain_fingerprint`), which
does not
move when likelihood numbers or unrelated parts of the model change:

- :func:`diff_analyses` / :func:`diff_report` / :func:`diff_chains`: the chains added, removed and
  changed in risk or band between two versions of a model (or between a saved
  ``paths --format json`` report and a model), each with the components and flows whose change
  explains it.
- a **baseline** file (:func:`make_baseline`, :func:`load_baseline`): the chains accepted as known
  risks, each with a justification, an owner and an expiry date, as risk-tracking files do.
- :func:`check`: the CI gate. It fails when a chain at or above a band is not accepted, when its
  acceptance expired, or when its band rose above the band it was accepted at; it reports baseline
  entries that match no chain any more (stale).

The compared set is the one a gate judges (:meth:`maestro_graph.Analysis.gate_chains`): every
chain at or above a band, the best per (entry component, target component) pair, never a top N,
so a new chain cannot hide below a cut-off.

This module works on :class:`~maestro_graph.analysis.Analysis` objects (through their public
methods only) and imports that class for type checking only.

Examples
--------
>>> import datetime as dt
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> baseline = make_baseline(analysis, "high", today=dt.date(2026, 1, 1))
>>> result = check(analysis, baseline, "high", today=dt.date(2026, 1, 2))
>>> result.passed, len(result.failing), len(result.stale)
(True, 0, 0)
>>> diff_analyses(analysis, analysis).empty
True
"""

from __future__ import annotations

from maestro_graph.regression.baseline import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_JUSTIFICATION,
    DEFAULT_OWNER,
    Acceptance,
    Baseline,
    baseline_from_document,
    load_baseline,
    make_baseline,
)
from maestro_graph.regression.diff import (
    Cause,
    ChainChange,
    ChainDiff,
    ChangeStatus,
    DiffSide,
    ModelDelta,
    diff_analyses,
    diff_chains,
)
from maestro_graph.regression.files import (
    BASELINE_FORMAT,
    FINGERPRINT_PATTERN,
    BandField,
    Fingerprint,
)
from maestro_graph.regression.gate import (
    EXPIRY_WARNING_DAYS,
    CheckItem,
    CheckResult,
    CheckStatus,
    check,
)
from maestro_graph.regression.saved import (
    SavedReport,
    diff_report,
    is_report_data,
    parse_query_description,
    read_diff_input,
    report_from_document,
)
from maestro_graph.regression.snapshot import (
    RISK_TOLERANCE,
    ChainSnapshot,
    FlowKey,
    StepKey,
)

__all__ = [
    "BASELINE_FORMAT",
    "DEFAULT_EXPIRY_DAYS",
    "DEFAULT_JUSTIFICATION",
    "DEFAULT_OWNER",
    "EXPIRY_WARNING_DAYS",
    "FINGERPRINT_PATTERN",
    "RISK_TOLERANCE",
    "Acceptance",
    "BandField",
    "Baseline",
    "Cause",
    "ChainChange",
    "ChainDiff",
    "ChainSnapshot",
    "ChangeStatus",
    "CheckItem",
    "CheckResult",
    "CheckStatus",
    "DiffSide",
    "Fingerprint",
    "FlowKey",
    "ModelDelta",
    "SavedReport",
    "StepKey",
    "baseline_from_document",
    "check",
    "diff_analyses",
    "diff_chains",
    "diff_report",
    "is_report_data",
    "load_baseline",
    "make_baseline",
    "parse_query_description",
    "read_diff_input",
    "report_from_document",
]
