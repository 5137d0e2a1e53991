"""Located problems (数据问题) and the errors that carry them to the user.

Every problem names where it is — file, sheet, row as Excel shows it, header as written, value — and says
what was expected, in Chinese with an English gloss.  Errors raised for the user (bad input, a path that is
refused, an output that cannot be written) derive from :class:`JunyunError`: the command line prints their
report and no traceback.
"""
from __future__ import annotations

import errno
import re
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
    school_name: str = ""    # the school the row holds, as written (for people: "第58行（某某小学）")

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


#: control characters (控制字符): C0 (U+0000–U+001F, tab and line breaks included) and DEL with C1
#: (U+007F–U+009F).  None belongs in a name, a source or a table cell that pages, workbooks and the terminal
#: show: a BEL or an escape sequence would reach them as it is, a line break would break a table row.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def control_character(text) -> str | None:
    """The first control character of ``text`` (see :data:`_CONTROL`), or None; not text: None.

    The one test every reader of settings files applies to what it keeps (``county.toml`` strings, cells of
    the unit-cost, budget, plan and county-level tables).

    Examples
    --------
    >>> control_character("进贤县"), control_character("进贤\\x07县"), control_character("a\\nb"), control_character(3)
    (None, '\\x07', '\\n', None)
    """
    if not isinstance(text, str):
        return None
    found = _CONTROL.search(text)
    return found.group() if found else None


def visible(text) -> str:
    """``text`` with every control character written as its code (``\\u0007``), for a message that quotes it.

    >>> visible("进贤\\x07县\\n")
    '进贤\\\\u0007县\\\\u000a'
    """
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def control_character_problem(text: str, **where) -> Problem:
    """The located error for text holding a control character (:func:`control_character`); ``where`` gives
    file, row, column … as for :class:`Problem`; the value is quoted with the character made visible."""
    code = f"U+{ord(control_character(text)):04X}"
    return Problem("error", "control_character",
                   f"含控制字符 {code}（不可见字符，如响铃、换行、制表符），请删除后保存",
                   f"holds the control character {code} (an invisible character such as a bell, line break or "
                   "tab); delete it and save", value=visible(text), **where)


class JunyunError(Exception):
    """An error reported to the user as located problems (``problems``), never as a traceback."""

    head_zh = "出现错误"
    head_en = "error"

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity == "warning"]
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problems)
        head = f"{self.head_zh.format(n=n)} ({self.head_en.format(n=n)}):"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


def warnings_report(warnings: list[Problem], limit: int = 50) -> str:
    """Warnings (提示) for the user, located like errors: values read but worth a look (full-width digits read
    as half-width, unusually large values …).  At most ``limit`` lines, then how many more."""
    if not warnings:
        return ""
    lines = [f"提示 {len(warnings)} 条，数值已按下列方式读取，请核实 ({len(warnings)} warning(s); values read as "
             "shown, please check):"]
    lines += [f"  - {p}" for p in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"  … 另有 {len(warnings) - limit} 条 ({len(warnings) - limit} more)")
    return "\n".join(lines)


class ValidationError(JunyunError):
    """The input has errors; nothing was computed or written.  ``problems`` lists them all."""

    head_zh = "输入数据有 {n} 处错误，未进行计算，也未写出任何文件"
    head_en = "{n} error(s) in the input; nothing computed, nothing written"


class PathRefused(JunyunError):
    """A path was refused: outside the data and outputs folders, or an output onto an input."""

    head_zh = "路径不被接受，未写出任何文件"
    head_en = "path refused; nothing written"


class RecordUnreadable(JunyunError):
    """A record junyun keeps across runs (the batch manifest) cannot be read: the run stops before anything is
    written, and the file is left as it was (a copy beside it), never reset."""

    head_zh = "运行记录无法读取，已停止运行，该文件未被改动"
    head_en = "a run record cannot be read; stopped, the file was left unchanged"


_REASONS = {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.ENOSPC: "磁盘空间不足",
            errno.EROFS: "文件系统只读", errno.EISDIR: "同名的文件夹已存在", errno.ENOTDIR: "路径中有同名文件"}


class OutputError(JunyunError):
    """An output could not be written (no permission, disk full …); what was there before is unchanged."""

    head_zh = "无法写出文件"
    head_en = "cannot write the output"

    def __init__(self, path, exc: BaseException):
        code = getattr(exc, "errno", None)
        zh = _REASONS.get(code, "写入失败")
        en = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        self.path, self.cause = str(path), exc
        super().__init__([Problem("error", "cannot_write", f"{zh}，原有文件保持不变", f"{en}; any earlier file is "
                                  "unchanged", file=str(path))])
