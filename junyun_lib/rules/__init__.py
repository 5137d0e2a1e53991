"""Rules as data (规则数据): standards, scope, splitting weights, school columns, county-level indicators,
the evaluation form, plan metrics and import mappings live in the files of this folder, each value with the
document and clause it comes from.  The modules here read them; nothing here reads user files.

* :mod:`~junyun_lib.rules.comparison` — the one comparison every verdict uses
* :mod:`~junyun_lib.rules.standards` — 评估标准 (``quality-2017.toml``, ``basic-2012.toml``), scope, splitting
* :mod:`~junyun_lib.rules.counties` — a county's configuration (``county.toml``) and its slug
* :mod:`~junyun_lib.rules.county_schema` — the format of ``county.toml`` (``county_config.toml``) and its checks
* :mod:`~junyun_lib.rules.schema` — the school table's columns (``school_columns.csv``)
* :mod:`~junyun_lib.rules.county_indicators` — the county-level indicators (``county_indicators.csv``)
* :mod:`~junyun_lib.rules.scorecard_form` — the evaluation form (``scorecard.toml``)
* :mod:`~junyun_lib.rules.plan_metrics` — what may measure a plan item
"""
from .comparison import OP_SYMBOL, OP_ZH, REL_TOL, compare, lookup
from .counties import CountyConfig, fallback_slug, is_slug, parse_county_config
from .standards import (Indicator, Standard, data_check_rules, load_standard, scope_rules, split_weights,
                        standard_codes)

__all__ = ["OP_SYMBOL", "OP_ZH", "REL_TOL", "compare", "lookup", "CountyConfig", "fallback_slug", "is_slug",
           "parse_county_config", "Indicator", "Standard", "data_check_rules", "load_standard", "scope_rules",
           "split_weights", "standard_codes"]
