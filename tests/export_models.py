"""Models the exporter tests share: the bundled examples and one whose text tries to break out
of every format's quoting."""

from __future__ import annotations

from maestro_graph.model import SystemModel

EXAMPLES = ("netmon", "rag-agent", "multi-agent")

#: Quotes of every kind, backslashes, markup, line breaks, control characters, non-ASCII
#: letters, an emoji (outside the BMP) and attempts to end a literal and run a statement.
HOSTILE_TEXTS = (
    "x'}) MATCH (n) DETACH DELETE n //",
    'say "hi" \\ back\\slash \\\' \\n literal',
    "<tag attr=\"v\">&amp; &#13;</tag> ]]>",
    "two\nlines\r\nand\ttab",
    "Ünïcödé – 中文 – emoji 😀 – \u2028separator",
    "nul\x00bell\x07esc\x1b del\x7f",
)


def hostile_model() -> SystemModel:
    """Three components and two flows whose names, labels, tags and properties hold
    :data:`HOSTILE_TEXTS`; the web page is untrusted, so the attack graph has chains."""
    name, quoted, markup, lines, unicode, control = HOSTILE_TEXTS
    return SystemModel.model_validate(
        {
            "maestro": 1,
            "system": {"name": f"Hostile {quoted}", "description": markup},
            "components": [
                {
                    "id": "web",
                    "name": name,
                    "layer": "L2",
                    "kind": "document_source",
                    "trust": "untrusted",
                    "tags": [quoted, unicode],
                    "properties": {"note": lines, "nested": {"k'ey": [control, 1, None]}},
                },
                {
                    "id": "kb",
                    "name": lines,
                    "layer": "L2",
                    "kind": "vector_store",
                    "owner": "O'Brien \\ \"ops\" 😀",
                    "controls": ["input-guardrails"],
                },
                {"id": "llm", "name": control, "layer": "L1", "kind": "foundation_model"},
            ],
            "flows": [
                {"from": "web", "to": "kb", "kind": "data", "label": markup},
                {"from": "kb", "to": "llm", "kind": "data", "label": control},
            ],
        }
    )
