"""Reading text files (读取文本文件): the encodings analysts' files come in, and CSV rows with their line numbers.

Every CSV or TOML file junyun reads goes through :func:`read_text`: a byte-order mark decides (UTF-8,
UTF-16, UTF-32), else UTF-8, else GB18030 (a superset of GBK, what Chinese Excel saves as "CSV").  A file that
is none of these, or is not text at all (an Excel file renamed ``.csv``), is a located error.
:func:`csv_rows` splits CSV text into rows, keeping each row's line number as a text editor shows it (blank
lines kept), and reports an unclosed quote at the line where it opened.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..problems import Problem, ValidationError, control_character_problem

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _problem(file: str, code: str, zh: str, en: str, row: int | None = None) -> Problem:
    return Problem("error", code, zh, en, file=file, row=row)


def read_bytes(path, what: str = "文件") -> bytes:
    """The bytes of a file, or a located error (missing, a folder, not readable)."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValidationError([_problem(str(path), "not_found", f"{what}不存在", "file not found")]) from None
    except IsADirectoryError:
        raise ValidationError([_problem(str(path), "is_folder", f"{what}是文件夹，不是文件", "a folder, not a file")]) \
            from None
    except OSError as exc:
        raise ValidationError([_problem(str(path), "unreadable", f"{what}无法读取：{exc.strerror or exc}",
                                        f"cannot read the file: {exc.strerror or exc}")]) from None


def decode(data: bytes, file: str) -> tuple[str, str]:
    """``(text, encoding)`` of a text file's bytes; raises a located :class:`ValidationError`.

    Text that decodes but holds control characters or Unicode non-characters (bytes that merely look like
    UTF-16, e.g. a stray ``FF FE`` at the start) is an encoding error too, not a table of unknown columns;
    valid UTF-8 with a control character (tab and line ends apart) is refused as that character, at its line.

    Examples
    --------
    >>> decode("县,年度".encode("gbk"), "a.csv")
    ('县,年度', 'gb18030')
    >>> decode(b"\\xef\\xbb\\xbfcode", "a.csv")
    ('code', 'utf-8-sig')
    """
    text, encoding = _decode(data, file)
    if encoding in ("utf-8", "utf-8-sig") and not _may_be_garbled_utf8(data):
        return text, encoding
    bad = _GARBLED.search(text)
    if bad and encoding in ("utf-8", "utf-8-sig") and bad.group() < "\x20":
        # valid UTF-8 with a control character (a BEL byte typed into a cell): the encoding is right, the
        # character is what to delete — say so, at its line
        row = text[:bad.start()].count("\n") + 1
        line = text[text.rfind("\n", 0, bad.start()) + 1:].split("\n", 1)[0]
        raise ValidationError([control_character_problem(line, file=file, row=row)])
    if bad:
        raise ValidationError([_problem(file, "encoding", "无法识别文件编码：应为 UTF-8 或 GBK（GB18030）编码",
                                        f"cannot decode the file (read as {encoding}, it holds control characters); "
                                        "save it as UTF-8 or GBK", row=text[:bad.start()].count("\n") + 1)])
    return text, encoding


def decode_head(data: bytes, lines: int) -> tuple[str, str] | None:
    """``(text of the first lines, encoding)`` when :func:`decode` would read ``data`` as clean UTF-8; else ``None``.

    A national file is 50 MB of UTF-8: decoding all of it makes a Python string of some 80 MB that a reader
    parsing the bytes with pyarrow never needs.  Here the bytes are only validated (:func:`clean_utf8`) and the
    first ``lines`` lines decoded (:func:`head_lines`), with their line ends.  ``None`` means :func:`decode`
    must decide: a UTF-16/32 byte-order mark, bytes that are not text, not valid UTF-8 (perhaps GBK), or
    possibly a control character.

    >>> decode_head("县,年度\\r\\n甲,2023\\n乙,2024".encode("utf-8"), 2)
    ('县,年度\\r\\n甲,2023\\n', 'utf-8')
    >>> decode_head("县,年度".encode("gbk"), 2) is None
    True
    """
    head = head_lines(data, lines)
    return head if head is not None and clean_utf8(data) else None


def head_lines(data: bytes, lines: int) -> tuple[str, str] | None:
    """The first ``lines`` lines of ``data`` decoded as UTF-8, and ``"utf-8"`` or ``"utf-8-sig"``, when the
    file may be clean UTF-8 (no other byte-order mark, text, its first lines decode); else ``None``.  Whether
    the whole file is clean is :func:`clean_utf8`'s answer (a reader may ask it while it parses).

    >>> head_lines("县,年度\\n甲,2023\\n乙,2024".encode("utf-8"), 1)
    ('县,年度\\n', 'utf-8')
    """
    skip, encoding = (len(codecs.BOM_UTF8), "utf-8-sig") if data.startswith(codecs.BOM_UTF8) else (0, "utf-8")
    if encoding == "utf-8" and (any(data.startswith(bom) for bom, _ in _BOMS) or _not_text(data)):
        return None
    end = len(data)
    for count, match in enumerate(_LINE_END.finditer(data, skip), start=1):   # line ends are ASCII: safe in bytes
        if count == lines:
            end = match.end()
            break
    try:
        return data[skip:end].decode("utf-8"), encoding
    except UnicodeDecodeError:
        return None


def clean_utf8(data: bytes) -> bool:
    """Whether ``data`` (after a UTF-8 byte-order mark, if any) is valid UTF-8 without a control character or
    Unicode non-character: what :func:`decode` reads as UTF-8 as it stands.  pyarrow's UTF-8 check (the same
    verdict as Python's decoder, tested) over the bytes, without decoding them."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:    # one string over the bytes, no copy; its full validation checks the UTF-8
        pa.Array.from_buffers(pa.large_string(), 1, [None, pa.array([0, len(data) - skip], pa.int64()).buffers()[1],
                                                     pa.py_buffer(data).slice(skip)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return not _may_be_garbled_utf8(data)


_LINE_END = re.compile(rb"\r\n|\r|\n")


_GARBLED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ufdd0-\ufdef]")


def _may_be_garbled_utf8(data: bytes) -> bool:
    """Whether UTF-8 bytes may hold a character of ``_GARBLED``; ``False`` only when they certainly do not.

    In UTF-8 a control character is a byte below 0x20 and no other character contains one, so the file is
    free of them when its only bytes below 0x20 are tabs and line ends.  The non-characters are EF BF BE,
    EF BF BF and EF B7 90–AF; an EF followed by BF or B7 sends the text to the exact check.  Vectorised passes
    over the bytes instead of a regular expression over the whole text (national files are 50 MB), a block of
    :data:`_BLOCK` bytes at a time so that no temporary array is as large as the file.
    """
    octets = np.frombuffer(data, dtype=np.uint8)
    mask = np.empty(_BLOCK, dtype=bool)
    for start in range(0, len(octets), _BLOCK):
        block = octets[start:start + _BLOCK + 1]        # one byte more: an EF at the end sees what follows it
        own = block[:_BLOCK]
        low = np.less(own, 0x20, out=mask[:len(own)])
        if low.any() and not np.isin(own[low], (0x09, 0x0A, 0x0D)).all():
            return True
        lead = np.equal(block[:-1], 0xEF, out=mask[:len(block) - 1])
        if lead.any() and np.isin(block[1:][lead], (0xBF, 0xB7)).any():
            return True
    return False


_BLOCK = 1 << 20


def _decode(data: bytes, file: str) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise _undecodable(data, exc, file) from None
    if _not_text(data):
        raise ValidationError([_problem(file, "not_text", "不是文本文件（可能是 Excel 文件改了扩展名），请另存为 CSV",
                                        "not a text file (perhaps an Excel file renamed); save it as CSV")])
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as first:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise _undecodable(data, first, file) from None


def _not_text(data: bytes) -> bool:
    """Bytes that are no text file: a NUL near the start, or a zip (xlsx) or OLE (xls) signature."""
    return b"\x00" in data[:4096] or data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0")


def _undecodable(data: bytes, exc: UnicodeDecodeError, file: str) -> ValidationError:
    line = data[: exc.start].count(b"\n") + 1
    return ValidationError([_problem(file, "encoding", "无法识别文件编码：应为 UTF-8 或 GBK（GB18030）编码",
                                     "cannot decode the file; save it as UTF-8 or GBK", row=line)])


def read_text(path, what: str = "文件") -> str:
    """A text file's content, whatever of the accepted encodings it is in (see :func:`decode`)."""
    text, _ = decode(read_bytes(path, what), str(path))
    return text


def csv_rows(text: str, file: str) -> list[tuple[int, list[str]]]:
    """``[(line number, cells)]`` of CSV text: every line (blank ones as ``[]``), quoted fields may span lines
    (the row keeps the number of its first line), ``\\r``, ``\\n`` and ``\\r\\n`` all end a line.

    An unclosed quote, or a quote inside an unquoted field, is a located :class:`ValidationError`.

    Examples
    --------
    >>> csv_rows('a,b\\r1,"x\\ny"\\r\\n\\n2,3', "t.csv")
    [(1, ['a', 'b']), (2, ['1', 'x\\ny']), (4, []), (5, ['2', '3'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, line = [], 1
    while True:
        start = line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ValidationError([_problem(file, "bad_quote", f"引号没有闭合或用法不对（自本行起）：{exc}",
                                            f"unclosed or misplaced quote from line {start}: {exc}",
                                            row=start)]) from None
        rows.append((start, cells))
        line = reader.line_num + 1
    return rows


def ragged_row(line: list[str], width: int, row: int, **where) -> Problem:
    """The located error for a CSV line whose number of cells differs from the header's (a comma too many or
    too few), the same wording for every table junyun reads."""
    return Problem("error", "ragged_row", f"本行有 {len(line)} 个单元格，表头行有 {width} 个：可能多了或少了逗号"
                   "（含逗号的内容请用英文双引号括起，小数请用小数点）", f"this line has {len(line)} cells but the header "
                   f"line has {width}: a comma too many or too few? (put text holding a comma in double quotes; "
                   "use a decimal point for decimals)", row=row, value=",".join(line), **where)
