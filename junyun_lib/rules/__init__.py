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

The names below are loaded on first use (PEP 562): ``junyun --help`` reads the standards' codes
(:func:`~junyun_lib.rules.standards.standard_codes`, TOML only) and must not pay for numpy and pandas, which
:mod:`~junyun_lib.rules.comparison` needs.
"""
# name → the module of this package that defines it (the architecture test reads these strings as imports)
_PUBLIC = {
    "OP_SYMBOL": "junyun_lib.rules.comparison",
    "OP_ZH": "junyun_lib.rules.comparison",
    "REL_TOL": "junyun_lib.rules.comparison",
    "compare": "junyun_lib.rules.comparison",
    "lookup": "junyun_lib.rules.comparison",
    "CountyConfig": "junyun_lib.rules.counties",
    "fallback_slug": "junyun_lib.rules.counties",
    "is_slug": "junyun_lib.rules.counties",
    "parse_county_config": "junyun_lib.rules.counties",
    "Indicator": "junyun_lib.rules.standards",
    "Standard": "junyun_lib.rules.standards",
    "data_check_rules": "junyun_lib.rules.standards",
    "load_standard": "junyun_lib.rules.standards",
    "scope_rules": "junyun_lib.rules.standards",
    "split_weights": "junyun_lib.rules.standards",
    "standard_codes": "junyun_lib.rules.standards",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'junyun_lib.rules' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
