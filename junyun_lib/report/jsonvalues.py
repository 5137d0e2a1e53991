"""Numbers for JSON (JSON 数值): what junyun writes is valid JSON (RFC 8259) — no NaN, no infinity."""
from __future__ import annotations

import json
import math
from typing import Iterable, Iterator

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


def dumps_line(doc) -> str:
    """``doc`` as one line of valid JSON (non-finite numbers → null), by the json module's C encoder.

    :func:`dumps` indents, and indenting makes the json module encode in Python, ten times slower: a national
    results document (800 MB) would spend minutes on it.  The same values, one line.

    >>> dumps_line({"a": [1, float("nan")], "b": "县"})
    '{"a": [1, null], "b": "县"}'
    """
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(doc), ensure_ascii=False, allow_nan=False)


def stream_dumps(key: str, items: Iterable, after: dict | None = None, *, lines: bool = False) -> Iterator[str]:
    """``{key: [items…], **after}`` as :func:`dumps` writes it, in pieces: one per item, as the items come.

    The pieces joined are exactly ``dumps({key: list(items), **after})``, so a document of thousands of
    county-years can be written (to a temporary file, renamed when complete) without holding it: each item is
    dumped alone, indented to its depth (two levels: the list inside the document).  JSON strings hold no raw
    line break, so indenting every line of an item's text is exact.  With ``lines`` each item is one line
    instead (:func:`dumps_line`, ten times faster): the same document to a JSON reader, for documents of
    thousands of items.

    Examples
    --------
    >>> doc = {"results": [{"a": float("nan")}, {"b": [1, 2]}], "generator": {"version": "x"}}
    >>> "".join(stream_dumps("results", iter(doc["results"]), {"generator": doc["generator"]})) == dumps(doc)
    True
    >>> "".join(stream_dumps("results", [])) == dumps({"results": []})
    True
    >>> json.loads("".join(stream_dumps("results", doc["results"], {"generator": doc["generator"]}, lines=True))) \\
    ...     == json.loads(dumps(doc))
    True
    """
    after = after or {}
    first = True
    for item in items:
        text = dumps_line(item) if lines else dumps(item).replace("\n", "\n  ")
        yield ("{\n " + json.dumps(key, ensure_ascii=False) + ": [\n  " if first else ",\n  ") + text
        first = False
    if first:                                   # no item: json.dumps writes an empty list on one line
        head = "{\n " + json.dumps(key, ensure_ascii=False) + ": []"
    else:
        head = "\n ]"
    tail = dumps(after)
    # the keys after the list: their text inside the outer object, one level in
    rest = tail[1:-1].strip("\n") if after else ""
    yield head + ("," + "\n" + rest if rest else "") + "\n}"
