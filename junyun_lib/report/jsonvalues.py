"""Numbers for JSON (JSON 数值): what junyun writes is valid JSON (RFC 8259) — no NaN, no infinity."""
from __future__ import annotations

import json
import math

import pandas as pd


def json_number(v) -> float | None:
    """A number for JSON: a Python float, or None for missing, NaN and ±infinity (RFC 8259 has neither).

    Examples
    --------
    >>> json_number(0.5), json_number(float("nan")), json_number(float("inf")), json_number(None)
    (0.5, None, None, None)
    """
    if v is None or v is pd.NA:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _finite(value):
    """``value`` with every non-finite float inside it replaced by None (what JSON can hold)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps(doc) -> str:
    """A JSON document as junyun writes it: UTF-8 text, indented, valid JSON (non-finite numbers → null)."""
    try:
        return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    except ValueError:          # a NaN or infinity somewhere: replace it rather than write invalid JSON
        return json.dumps(_finite(doc), ensure_ascii=False, indent=1, allow_nan=False)
