"""The built-in catalog: complete, consistent, and checked on load."""

from __future__ import annotations

import csv
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml

import maestro_graph as mg
from maestro_graph.catalog import builtin_rules_dir
from maestro_graph.catalog.types import Maturity
from maestro_graph.model.layers import Layer
from maestro_graph.render.catalog import render_docs
from maestro_graph.support.errors import MaestroInputError

from .reference import SEED_L7_ITEMS, canonical_threat_names, reference_file

CATALOG = mg.load_catalog()
RULES = builtin_rules_dir()
REPO = Path(__file__).resolve().parent.parent


def raw_entries(section: str, list_key: str) -> list[dict]:
    entries = []
    for path in sorted((RULES / section).glob("*.yaml")):
        entries += yaml.safe_load(path.read_text())[list_key]
    return entries


def test_ids_are_unique_across_all_files():
    for section, key in (("threats", "threats"), ("controls", "controls"), ("atlas", "techniques")):
        counts = Counter(entry["id"] for entry in raw_entries(section, key))
        assert [i for i, n in counts.items() if n > 1] == [], section
    assert not set(CATALOG.threats) & set(CATALOG.controls)


def test_every_reference_resolves():
    for threat in CATALOG.threats.values():
        assert set(threat.applies_to) <= set(CATALOG.kinds), threat.id
        assert set(threat.mitigated_by) <= set(CATALOG.controls), threat.id
        assert set(threat.atlas) <= set(CATALOG.atlas), threat.id
        assert threat.id.startswith(threat.layer.value + ".")
    for control in CATALOG.controls.values():
        assert set(control.applies_to) <= set(CATALOG.kinds), control.id


@pytest.mark.parametrize("layer", [layer.value for layer in Layer])
def test_every_canonical_maestro_threat_is_present(layer):
    names = {t.maestro_name for t in CATALOG.threats.values() if t.layer.value == layer}
    missing = [name for name in canonical_threat_names()[layer] if name not in names]
    assert missing == []


def test_the_reference_lists_were_read():
    names = canonical_threat_names()
    assert set(names) == {f"L{i}" for i in range(1, 8)}
    assert len(names["L1"]) == 7 and len(names["L6"]) == 7 and len(names["L7"]) == 13


def test_l7_seed_items_are_present():
    threats = [t for t in CATALOG.threats.values() if t.layer is Layer.L7]
    for item in SEED_L7_ITEMS:
        by_name = any(t.maestro_name == item for t in threats)
        folded = item == "compromised discovery registries" and any(
            "discovery registr" in t.name for t in threats
        )
        assert by_name or folded, item
    c2 = next(t for t in threats if t.maestro_name == SEED_L7_ITEMS[3])
    assert "AML.T0096" in c2.atlas and CATALOG.atlas["AML.T0096"].maturity is Maturity.REALIZED


def test_l6_threats_concern_security_components():
    l6_kinds = set(CATALOG.kinds_of(Layer.L6))
    for threat in CATALOG.threats.values():
        if threat.layer is Layer.L6:
            assert set(threat.applies_to) <= l6_kinds, threat.id


def test_design_ids_exist():
    for threat_id in ("L2.data-poisoning", "L2.data-tampering", "L3.planner-manipulation"):
        assert threat_id in CATALOG.threats
    for control_id in (
        "memory-isolation",
        "planner-validation",
        "provenance-tracking",
        "source-allow-listing",
        "agent-authentication",
    ):
        assert control_id in CATALOG.controls


def test_atlas_snapshot_matches_the_reference_csv():
    with reference_file("atlas-techniques-v5.6.0.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(CATALOG.atlas) == 170
    for row in rows:
        technique = CATALOG.atlas[row["id"]]
        assert (technique.name, technique.maturity.value) == (row["name"], row["maturity"])
    maturities = Counter(t.maturity.value for t in CATALOG.atlas.values())
    assert maturities == {"feasible": 17, "demonstrated": 89, "realized": 64}
    assert CATALOG.atlas_version == "5.6.0"
    notice = (RULES / "atlas" / "NOTICE").read_text()
    assert "Apache License, Version 2.0" in notice and "MITRE" in notice


def test_mitigation_links_agree_in_both_directions():
    for control_id in CATALOG.controls:
        mitigated = CATALOG.mitigates(control_id)
        assert mitigated, f"control {control_id} mitigates nothing"
        for threat_id in mitigated:
            assert control_id in CATALOG.threats[threat_id].mitigated_by
    for threat in CATALOG.threats.values():
        assert threat.mitigated_by, f"{threat.id} has no control"
        for control_id in threat.mitigated_by:
            assert threat.id in CATALOG.mitigates(control_id)


def test_controls_cover_every_layer_and_the_reference_count():
    assert len(CATALOG.controls) >= 35
    assert {c.layer for c in CATALOG.controls.values()} == set(Layer)


def test_every_kind_has_threats_of_its_layer():
    for kind, info in CATALOG.kinds.items():
        own = [t for t in CATALOG.threats_for_kind(kind) if t.layer is info.layer]
        assert len(own) >= 2, kind


def test_descriptions_are_substantial():
    for entry in [*CATALOG.threats.values(), *CATALOG.controls.values()]:
        assert len(entry.description.split()) >= 12, entry.id


def test_catalog_docs_are_generated_from_the_rules():
    committed = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    generated = render_docs(CATALOG)
    generated += "" if generated.endswith("\n") else "\n"
    assert committed == generated, "run: maestro-graph rules docs -o docs/catalog.md"


# -- user rule folders and bad rule files ---------------------------------------------------


def write_rules(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


GOOD_THREAT = """\
    layer: L2
    threats:
      - id: L2.shadow-index
        name: Shadow index
        description: An attacker builds a second index that answers instead of the real one.
        applies_to: [vector_store]
        atlas: [AML.T0070]
        likelihood: 0.3
        impact: 3
        mitigated_by: [integrity-checks]
        entry: true
"""


def load_problems(folder: Path) -> list:
    with pytest.raises(MaestroInputError) as caught:
        mg.load_catalog(folder)
    return list(caught.value.problems)


def test_user_folder_adds_threats(tmp_path):
    catalog = mg.load_catalog(write_rules(tmp_path, {"threats/extra.yaml": GOOD_THREAT}))
    assert "L2.shadow-index" in catalog.threats
    assert "L2.shadow-index" in catalog.mitigates("integrity-checks")
    assert catalog.version != CATALOG.version
    assert catalog.warnings == ()


def test_user_folder_overrides_with_a_warning(tmp_path):
    text = GOOD_THREAT.replace("L2.shadow-index", "L2.data-poisoning")
    catalog = mg.load_catalog(write_rules(tmp_path, {"threats/extra.yaml": text}))
    assert catalog.threats["L2.data-poisoning"].likelihood == 0.3
    (override,) = [w for w in catalog.warnings if "overrides the one at" in w]
    assert "threat 'L2.data-poisoning' overrides the one at" in override and "L2.yaml:" in override
    # Built-in rules that reached kinds the narrowed threat no longer covers now reach less.
    narrowed = [w for w in catalog.warnings if "could never reach it" in w]
    assert narrowed and all("L2.data-poisoning" in w for w in narrowed)


def test_unknown_control_in_a_rule_file(tmp_path):
    folder = write_rules(
        tmp_path,
        {"threats/extra.yaml": GOOD_THREAT.replace("[integrity-checks]", "[integrity-check]")},
    )
    (problem,) = load_problems(folder)
    assert problem.source.endswith("extra.yaml") and problem.line == 10
    assert "unknown control 'integrity-check'; did you mean 'integrity-checks'?" in problem.message


def test_unknown_kind_and_atlas_id_in_a_rule_file(tmp_path):
    text = GOOD_THREAT.replace("[vector_store]", "[vectorstore]").replace("AML.T0070", "AML.T9999")
    kind, atlas = load_problems(write_rules(tmp_path, {"threats/extra.yaml": text}))
    assert (kind.line, atlas.line) == (6, 7)
    assert "unknown kind 'vectorstore'; did you mean 'vector_store'?" in kind.message
    assert "unknown ATLAS technique 'AML.T9999'" in atlas.message


def test_duplicate_id_in_a_rule_folder(tmp_path):
    folder = write_rules(tmp_path, {"threats/a.yaml": GOOD_THREAT, "threats/b.yaml": GOOD_THREAT})
    (problem,) = load_problems(folder)
    assert problem.source.endswith("b.yaml") and problem.line == 3
    assert "duplicate threat id 'L2.shadow-index' (first defined at" in problem.message


def test_bad_likelihood_in_a_rule_file(tmp_path):
    folder = write_rules(
        tmp_path, {"threats/extra.yaml": GOOD_THREAT.replace("likelihood: 0.3", "likelihood: 1.3")}
    )
    (problem,) = load_problems(folder)
    assert problem.line == 8
    assert problem.message == "likelihood: Input should be less than or equal to 1, got 1.3"


def test_missing_field_and_unknown_field_in_a_rule_file(tmp_path):
    text = GOOD_THREAT.replace("        impact: 3\n", "        impakt: 3\n")
    problems = load_problems(write_rules(tmp_path, {"threats/extra.yaml": text}))
    messages = sorted(p.message for p in problems)
    assert messages == ["impact: Field required", "impakt: unknown field"]
    assert {p.line for p in problems} == {3, 9}


def test_threat_id_must_match_its_layer(tmp_path):
    folder = write_rules(
        tmp_path, {"threats/extra.yaml": GOOD_THREAT.replace("layer: L2", "layer: L3")}
    )
    (problem,) = load_problems(folder)
    assert "must start with its layer, 'L3.'" in problem.message and problem.line == 3


def test_invalid_yaml_in_a_rule_file(tmp_path):
    (problem,) = load_problems(write_rules(tmp_path, {"controls/x.yaml": "controls: [\n"}))
    assert problem.source.endswith("x.yaml") and problem.message.startswith("invalid YAML")


def test_missing_rules_folder(tmp_path):
    (problem,) = load_problems(tmp_path / "absent")
    assert problem.message == "rules folder not found"


def test_model_with_unknown_control(write_model):
    from .conftest import VALID_MODEL

    path = write_model(
        VALID_MODEL.replace(
            "    kind: vector_store\n",
            "    kind: vector_store\n    controls: [provenance-trackng]\n",
        )
    )
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(path)
    (problem,) = caught.value.problems
    assert problem.line == 12
    assert (
        problem.message
        == "components[1].controls: unknown control 'provenance-trackng'; did you mean 'provenance-tracking'?"
    )


def test_model_with_a_control_that_cannot_go_on_a_flow(write_model):
    from .conftest import VALID_MODEL

    text = VALID_MODEL.replace(
        "    to: kb\n    kind: data\n",
        "    to: kb\n    kind: data\n    controls: [adversarial-training]\n",
    )
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(write_model(text))
    (problem,) = caught.value.problems
    assert problem.line == 19
    assert "control 'adversarial-training' cannot be placed on a flow" in problem.message
