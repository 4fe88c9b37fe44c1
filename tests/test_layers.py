import pytest

from maestro_graph.model.layers import LAYER_INFO, Layer


def test_seven_layers_in_order_with_names():
    assert [layer.value for layer in Layer] == [f"L{i}" for i in range(1, 8)]
    assert Layer.L4.info.name == "Deployment and Infrastructure"
    assert all(info.role for info in LAYER_INFO.values())


def test_only_l6_is_vertical():
    assert [layer for layer in Layer if layer.info.vertical] == [Layer.L6]


@pytest.mark.parametrize("text", ["L3", "l3", "3", 3, " L3 "])
def test_parse_accepts_common_spellings(text):
    assert Layer.parse(text) is Layer.L3


def test_parse_rejects_unknown_layer_listing_the_valid_ones():
    with pytest.raises(
        ValueError, match=r"unknown layer 'L0'; valid layers: L1 \(Foundation Models\)"
    ):
        Layer.parse("L0")


def test_parse_list():
    assert Layer.parse_list("L4,L5") == (Layer.L4, Layer.L5)
    assert Layer.parse_list(["L1", "L2,L3"]) == (Layer.L1, Layer.L2, Layer.L3)
