"""Watching matplotlib for missing glyphs (缺字) in tests: a character its fonts lack warns "Glyph 24046 (…)
missing from font(s) DejaVu Sans."; a family it cannot find logs "findfont: Font family … not found"."""
from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager

BAD = ("missing from", "glyph", "findfont")


@contextmanager
def no_glyph_problems():
    """Fails if matplotlib warns (warnings or logging) about a missing glyph or font inside the block."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        records += [str(w.message) for w in caught]
    finally:
        logger.removeHandler(handler)
    bad = [m for m in records if any(b in m.lower() for b in BAD)]
    assert not bad, bad[:5]
