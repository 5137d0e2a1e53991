"""Reading the located problems (数据问题) a call raises, in tests."""
from __future__ import annotations

import pytest

from junyun_lib.problems import ValidationError


def raised(call, *args, **kwargs) -> list:
    """The errors of the :class:`ValidationError` that ``call(*args, **kwargs)`` must raise."""
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value.problems


def one(problems, code, **where):
    """The only problem of ``code`` (whose other fields are as ``where`` gives); fails naming them all if not one."""
    hits = [p for p in problems if p.code == code and all(getattr(p, k) == v for k, v in where.items())]
    assert len(hits) == 1, [(p.code, p.row, p.column, p.value) for p in problems]
    return hits[0]


def located(problems) -> set:
    """Each problem as (code, row, column, value): where it is and what it says is there."""
    return {(p.code, p.row, p.column, p.value) for p in problems}
