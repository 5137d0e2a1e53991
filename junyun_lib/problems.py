"""Located problems in input data (数据问题): errors stop the run, warnings travel with the results.

Every problem names where it is — file, sheet, row as Excel shows it, header as written, value — and says
what was expected, in Chinese with an English gloss.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem (数据问题).  ``row`` is the row number as Excel (or a text editor) shows it."""

    severity: str            # "error" | "warning"
    code: str                # short machine-readable kind, e.g. "not_a_number"
    message_zh: str
    message_en: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""         # header as written in the file
    value: str = ""
    school_id: str = ""
    county: str = ""
    year: int | None = None

    def location(self) -> str:
        parts = [self.file or "<数据>"]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return " ".join(parts)

    def __str__(self) -> str:
        value = f" 值「{self.value}」" if self.value != "" else ""
        return f"{self.location()}{value}：{self.message_zh}（{self.message_en}）"

    def to_dict(self) -> dict:
        return asdict(self)


class ValidationError(Exception):
    """The input has errors; nothing was computed or written.  ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity == "warning"]
        super().__init__(self.report())

    def report(self) -> str:
        head = f"输入数据有 {len(self.problems)} 处错误，未进行计算，也未写出任何文件 " \
               f"({len(self.problems)} error(s) in the input; nothing computed, nothing written):"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])
