"""The catalog: the language the engine speaks (kinds, threats, controls, rules, ATLAS).

The catalog is data under ``rules/``: it is loaded and checked here, never evaluated.
"""

from maestro_graph.catalog.loader import builtin_rules_dir, load_catalog
from maestro_graph.catalog.types import Catalog, KindInfo

__all__ = ["Catalog", "KindInfo", "builtin_rules_dir", "load_catalog"]
