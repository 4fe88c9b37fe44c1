"""OWASP ids on threats: the three published lists, the mapping, the loader's check and the
``--owasp`` filter."""

from __future__ import annotations

import json
import re
import shutil

import pytest

import maestro_graph as mg
from maestro_graph.render.catalog import render_docs
from maestro_graph.support.errors import MaestroInputError

from .reference import reference_file
from .test_catalog import GOOD_THREAT, load_problems, write_rules

CATALOG = mg.load_catalog()

# The published lists, held here independently of rules/owasp.yaml.
# OWASP Top 10 for Agentic Applications, 2026 edition (December 2025).
PUBLISHED_ASI = {
    "ASI01": "Agent Goal Hijack",
    "ASI02": "Tool Misuse and Exploitation",
    "ASI03": "Identity and Privilege Abuse",
    "ASI04": "Agentic Supply Chain Vulnerabilities",
    "ASI05": "Unexpected Code Execution (RCE)",
    "ASI06": "Memory and Context Poisoning",
    "ASI07": "Insecure Inter-Agent Communication",
    "ASI08": "Cascading Failures",
    "ASI09": "Human-Agent Trust Exploitation",
    "ASI10": "Rogue Agents",
}
# OWASP Top 10 for LLM Applications 2025.
PUBLISHED_LLM = {
    "LLM01": "Prompt Injection",
    "LLM02": "Sensitive Information Disclosure",
    "LLM03": "Supply Chain",
    "LLM04": "Data and Model Poisoning",
    "LLM05": "Improper Output Handling",
    "LLM06": "Excessive Agency",
    "LLM07": "System Prompt Leakage",
    "LLM08": "Vector and Embedding Weaknesses",
    "LLM09": "Misinformation",
    "LLM10": "Unbounded Consumption",
}

# Threats that carry no ASI or LLM id, each with why neither list applies.
WITHOUT_TOP10_ID = {
    "L4.orchestration-attacks": "cluster control-plane misconfiguration; no list entry covers it",
    "L4.iac-manipulation": "infrastructure-as-code defects are a cloud concern, not an LLM/agent one",
    "L4.lateral-movement": "host and network movement between workloads; not AI-specific",
    "L4.resource-hijacking": "stolen compute (mining, proxying), not consumption through the LLM",
    "L4.exposed-service-exploitation": "a classic web/API flaw in a non-AI service",
    "L4.privilege-escalation": "container escape and cluster RBAC, not agents' delegated identity",
    "L5.tampered-metrics-logs": "integrity of records (repudiation); neither top 10 has an entry",
    "L5.detection-evasion": "staying under monitoring thresholds is a detection-engineering issue",
    "L6.regulatory-non-compliance": "a legal and governance obligation, not an attack",
    "L6.lack-of-explainability": "a transparency property of decisions, not an attack",
    "L6.audit-log-tampering": "audit-trail integrity (repudiation); neither top 10 has an entry",
    "L7.repudiation": "non-repudiation of actions; neither top 10 has an entry (T8 covers it)",
    "L7.ai-service-api-c2": "malware abusing a hosted AI API as a channel; no LLM/agent weakness",
}


def published_t_ids() -> dict[str, str]:
    """T1-T15 and their names, from the reference file's OWASP section."""
    text = reference_file("maestro-layers-and-threats.md").read_text(encoding="utf-8")
    section = text.split("## OWASP Agentic AI threats (T1-T15)", 1)[1].split("\n## ", 1)[0]
    section = " ".join(section.split("(The layer mapping", 1)[0].split())
    return {
        f"T{number}": name.strip()
        for number, name in re.findall(r"T(\d+) (.+?) \(L[1-7][^)]*\)", section)
    }


def ids_of(family: str) -> dict[str, str]:
    return {i.id: i.name for i in CATALOG.owasp.values() if i.family == family}


def test_the_lists_are_the_published_ones():
    t_ids = published_t_ids()
    assert list(t_ids) == [f"T{n}" for n in range(1, 16)]
    assert t_ids["T6"] == "Intent Breaking & Goal Manipulation"
    assert list(CATALOG.owasp_lists) == ["asi", "llm", "agentic-threats"]
    assert ids_of("asi") == PUBLISHED_ASI and list(ids_of("asi")) == list(PUBLISHED_ASI)
    assert ids_of("llm") == PUBLISHED_LLM and list(ids_of("llm")) == list(PUBLISHED_LLM)
    assert ids_of("agentic-threats") == t_ids
    assert len(CATALOG.owasp) == 35


def test_every_threat_carries_a_top10_id_unless_allow_listed():
    top10 = set(PUBLISHED_ASI) | set(PUBLISHED_LLM)
    without = {t.id for t in CATALOG.threats.values() if not top10 & set(t.owasp)}
    assert without == set(WITHOUT_TOP10_ID), "map the threat, or allow-list it with a reason"
    for threat in CATALOG.threats.values():
        assert set(threat.owasp) <= set(CATALOG.owasp), threat.id
        assert len(set(threat.owasp)) == len(threat.owasp), threat.id


def test_the_mapping_matches_the_threats():
    by_id = CATALOG.threats
    assert {"ASI01", "LLM01"} <= set(by_id["L1.prompt-injection"].owasp)
    assert "LLM07" in by_id["L1.model-data-leakage"].owasp
    assert {"ASI06", "LLM08"} <= set(by_id["L2.embedding-manipulation"].owasp)
    assert "ASI05" in by_id["L3.unsafe-code-execution"].owasp
    assert {"ASI02", "LLM06"} <= set(by_id["L3.tool-misuse"].owasp)
    assert "ASI04" in by_id["L7.mcp-rug-pull"].owasp
    assert "ASI09" in by_id["L7.human-manipulation"].owasp
    assert "LLM10" in by_id["L1.model-dos"].owasp
    # Every id of the two top 10 lists is carried by some threat.
    carried = {i for t in by_id.values() for i in t.owasp}
    assert set(PUBLISHED_ASI) | set(PUBLISHED_LLM) <= carried


# -- the loader ------------------------------------------------------------------------------


def with_owasp(ids: str) -> str:
    return GOOD_THREAT + f"        owasp: [{ids}]\n"


def test_loader_accepts_the_three_families(tmp_path):
    catalog = mg.load_catalog(
        write_rules(tmp_path, {"threats/x.yaml": with_owasp("T1, ASI06, LLM08")})
    )
    assert catalog.threats["L2.shadow-index"].owasp == ("T1", "ASI06", "LLM08")


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (
            "ASI11",
            "unknown OWASP id 'ASI11' (known: T1-T15, ASI01-ASI10, LLM01-LLM10); did you mean",
        ),
        (
            "llm01",
            "unknown OWASP id 'llm01' (known: T1-T15, ASI01-ASI10, LLM01-LLM10); did you mean 'LLM01'?",
        ),
        ("T16", "unknown OWASP id 'T16'"),
        ("LLM1", "did you mean 'LLM01'?"),
    ],
)
def test_loader_refuses_an_unknown_owasp_id(tmp_path, ids, message):
    (problem,) = load_problems(write_rules(tmp_path, {"threats/x.yaml": with_owasp(ids)}))
    assert problem.source.endswith("x.yaml") and problem.line == 12
    assert problem.message.startswith("owasp.0: ") and message in problem.message


def test_loader_refuses_a_repeated_owasp_id(tmp_path):
    (problem,) = load_problems(
        write_rules(tmp_path, {"threats/x.yaml": with_owasp("LLM01, LLM01")})
    )
    assert problem.line == 12
    assert problem.message == "threat L2.shadow-index: OWASP id 'LLM01' is repeated"


def test_loader_refuses_an_id_missing_from_the_lists(tmp_path):
    # A copy of the built-in rules whose owasp.yaml lost LLM07: the threat citing it is refused.
    from maestro_graph.catalog.loader import _load

    rules = tmp_path / "rules"
    shutil.copytree(mg.catalog.builtin_rules_dir(), rules)
    owasp = rules / "owasp.yaml"
    owasp.write_text(owasp.read_text().replace("      LLM07: System Prompt Leakage\n", ""))
    with pytest.raises(MaestroInputError) as caught:
        _load((rules,))
    (problem,) = caught.value.problems
    lines = (rules / "threats" / "L1.yaml").read_text().splitlines()
    assert problem.source.endswith("L1.yaml") and "LLM07" in lines[problem.line - 1]
    assert problem.message == (
        "threat L1.model-data-leakage: unknown OWASP id 'LLM07' (not in any owasp.yaml list)"
    )


def test_loader_checks_a_user_owasp_file(tmp_path):
    text = """\
        lists:
          - id: llm
            title: OWASP Top 10 for LLM Applications 2025
            label: OWASP LLM Top 10 (2025)
            ids:
              LLM11: Not on the list
    """
    (problem,) = load_problems(write_rules(tmp_path, {"owasp.yaml": text}))
    assert problem.source.endswith("owasp.yaml") and problem.line == 6
    assert "OWASP list llm: invalid id 'LLM11'" in problem.message


def test_owasp_file_is_part_of_the_catalog_version(tmp_path):
    text = (mg.catalog.builtin_rules_dir() / "owasp.yaml").read_text()
    renamed = text.replace("LLM09: Misinformation", "LLM09: Misinformation (renamed)")
    catalog = mg.load_catalog(write_rules(tmp_path, {"owasp.yaml": renamed}))
    assert catalog.owasp["LLM09"].name == "Misinformation (renamed)"
    assert catalog.version != CATALOG.version
    assert any("OWASP id 'LLM09' overrides" in w for w in catalog.warnings)


# -- the filter ------------------------------------------------------------------------------


def finding_threats(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["threat"] for row in json.loads(result.output)["threats"]]


def test_threats_owasp_filter(run_cli):
    shown = finding_threats(
        run_cli("threats", "--example", "rag-agent", "--owasp", "LLM01", "--format", "json")
    )
    assert shown and all("LLM01" in CATALOG.threats[t].owasp for t in shown)
    everything = finding_threats(run_cli("threats", "--example", "rag-agent", "--format", "json"))
    assert sorted(shown) == sorted(t for t in everything if "LLM01" in CATALOG.threats[t].owasp)
    # Case-insensitive, comma separated or repeated: any of the ids.
    lower = run_cli("threats", "--example", "rag-agent", "--owasp", "llm01", "--format", "json")
    assert finding_threats(lower) == shown
    both = finding_threats(
        run_cli("threats", "--example", "rag-agent", "--owasp", "llm01,asi06", "--format", "json")
    )
    repeated = finding_threats(
        run_cli(
            "threats",
            "--example",
            "rag-agent",
            "--owasp",
            "LLM01",
            "--owasp",
            "ASI06",
            "--format",
            "json",
        )
    )
    assert both == repeated
    assert set(shown) < set(both)
    assert all({"LLM01", "ASI06"} & set(CATALOG.threats[t].owasp) for t in both)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "LLM11",
            "unknown OWASP id 'LLM11' (known: T1-T15, ASI01-ASI10, LLM01-LLM10); did you mean 'LLM10'?",
        ),
        ("LLM01,ASI1", "unknown OWASP id 'ASI1'"),
        (",", "no OWASP id given"),
    ],
)
def test_threats_unknown_owasp_id_exits_2(run_cli, value, message):
    result = run_cli("threats", "--example", "rag-agent", "--owasp", value)
    assert result.exit_code == 2
    assert "Invalid value for '--owasp'" in result.output and message in result.output


def test_api_owasp_filter():
    analysis = mg.analyze(mg.example("rag-agent"))
    findings = analysis.threat_findings(owasp="asi01")
    assert findings and all("ASI01" in f.threat.owasp for f in findings)
    assert analysis.threat_findings(owasp=["ASI01"], min_band="high") == [
        f for f in findings if f.band.rank >= mg.Band.HIGH.rank
    ]
    frame = analysis.threats(owasp=["LLM02", "t3"])
    assert len(frame) > 0
    assert all({"LLM02", "T3"} & set(CATALOG.threats[t].owasp) for t in frame["threat"])
    assert analysis.threat_findings(owasp=None) == list(analysis.findings)
    with pytest.raises(MaestroInputError) as caught:
        analysis.threat_findings(owasp="ASI00")
    (problem,) = caught.value.problems
    assert problem.source == "--owasp" and "unknown OWASP id 'ASI00'" in problem.message


# -- the views -------------------------------------------------------------------------------


def test_rules_show_prints_the_three_families(run_cli):
    shown = run_cli("rules", "show", "L1.prompt-injection").output
    assert "  OWASP Agentic Top 10 (2026): ASI01 Agent Goal Hijack\n" in shown
    assert "  OWASP LLM Top 10 (2025): LLM01 Prompt Injection\n" in shown
    assert "  OWASP Agentic AI threats: T6 Intent Breaking & Goal Manipulation\n" in shown
    bare = run_cli("rules", "show", "L7.repudiation").output
    assert "  OWASP Agentic Top 10 (2026): -\n" in bare


def test_rules_show_an_owasp_id(run_cli):
    shown = run_cli("rules", "show", "llm07")
    assert shown.exit_code == 0
    assert shown.output.startswith("LLM07  System Prompt Leakage\n")
    assert "L1.model-data-leakage" in shown.output
    unknown = run_cli("rules", "show", "ASI11")
    assert unknown.exit_code == 2 and "did you mean 'ASI10'?" in unknown.output


def test_docs_map_every_id_to_its_threats():
    docs = render_docs(CATALOG)
    section = docs.split("## OWASP mapping", 1)[1].split("\n## ", 1)[0]
    for owasp_id in CATALOG.owasp.values():
        carriers = [t.id for t in CATALOG.threats.values() if owasp_id.id in t.owasp]
        row = f"| `{owasp_id.id}` | {owasp_id.name} | "
        assert row + (", ".join(f"`{t}`" for t in carriers) or "-") + " |" in section
    for threat_id in WITHOUT_TOP10_ID:
        assert f"`{threat_id}`" in section.rsplit("Threats with no id", 1)[1]
    assert "OWASP: `ASI01`, `LLM01`, `T6`." in docs
