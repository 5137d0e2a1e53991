"""Citing documents on pages people read (引用文件): ``seed 002 附件1 二(一)`` → 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）资源配置.

Rule files and county data name their sources by seed number and clause, which is what people who maintain the
rules check against.  A page, table or workbook cites the document by title and number (``documents.toml``
in this folder, from ``../shared/DOMAIN.md``).  National rules are cited by the national document even where a
county scheme quotes them: 乡宁县's scheme restates 教督〔2017〕6号 in its 附件1, so a rule sourced
"seed 002 附件1 …" cites 教督〔2017〕6号, in every county's briefing.

>>> cite("seed 002 附件1 二(二)4；附件3 (七)")
'《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）政府保障程度 第4项；《县域义务教育优质均衡发展督导评估有关指标说明》（七）'
>>> cite("教督〔2017〕6号 第二章第六条；seed 002 附件1 二(一)：所有指标")
'《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）第二章第六条；资源配置：所有指标'
>>> cite("seed 000 三、年度推进计划 第9项")
'《进贤县（2021-2030）年义务教育优质均衡发展推进计划》（进府办发〔2021〕61号）三、年度推进计划 第9项'
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import rule_files

_PART = r"附件\d+|篇[一二三四五六七八九十]+"
# a seed reference (with its part), a part alone (of the seed named last), or a national number alone
_REF = re.compile(rf"seed\s*(?P<seed>\d{{3}})(?:\s*(?P<part>{_PART}))?|(?P<bare>{_PART})|(?<!》（)(?P<number>教督〔\d{{4}}〕\d+号)",
                  re.IGNORECASE)
_SHORT = re.compile(r"（([^（）]*〔\d{4}〕\d+号)）$")
# "(一)" → "（一）", "1(5)" → "1（5）": clause numbers in the full-width brackets of Chinese documents
_CLAUSE_PARENS = re.compile(r"\(([一二三四五六七八九十\d]{1,3})\)")
# a parenthetical without a single Chinese character is a note for maintainers ("(decision recorded in …)")
_ASCII_NOTE = re.compile(r"\s*[（(][^（）()\u3400-\u9fff]*[A-Za-z][^（）()\u3400-\u9fff]*[)）]")


@lru_cache(maxsize=1)
def documents() -> dict:
    """``documents.toml``: ``{"seed": {"000": {"cite", "parts"}}, "numbers": {number: citation}}``."""
    return rule_files.toml("documents.toml")


def seed_citation(seed: str, part: str | None = None) -> str:
    """The citation of a seed document, or of one part of it that is another document (乡宁县 附件1 → 教督〔2017〕6号)."""
    doc = documents()["seed"][seed]
    parts = doc.get("parts", {})
    return parts[part]["cite"] if part in parts else doc["cite"]


def _short(citation: str) -> str:
    """The second mention of a document: its number alone (教督〔2017〕6号), or its title."""
    m = _SHORT.search(citation)
    return m.group(1) if m else citation


def _clause(rest: str, clauses: dict) -> tuple[str, int]:
    """The national heading for the clause at the start of ``rest`` and how many characters it used."""
    lead = len(rest) - len(rest.lstrip())
    body = rest[lead:].replace("（", "(").replace("）", ")")
    for key in sorted(clauses, key=len, reverse=True):
        if body.startswith(key):
            used = len(key)
            number = re.match(r"\d+", body[used:])
            heading = clauses[key]
            if "{n}" in heading:
                heading = heading.replace("{n}", number.group(0)) if number else heading.replace(" 第{n}项", "")
                used += len(number.group(0)) if number else 0
            elif number and heading == "":
                used += len(number.group(0))
            return heading, lead + used
    return "", 0


def cite(text) -> str:
    """``text`` with every seed reference replaced by the document's title and number (see module docstring);
    a document cited twice in one text is cited in full the first time and by its number after; notes for
    maintainers in ASCII-only parentheses are dropped.  Text without references comes back unchanged."""
    text = "" if text is None else str(text)
    if not text:
        return text
    out, pos, seen, last_seed = [], 0, set(), None
    docs = documents()["seed"]
    for m in _REF.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        if m.group("number"):
            citation, heading = documents()["numbers"].get(m.group("number"), m.group("number")), ""
        else:
            seed = m.group("seed") or last_seed
            part = m.group("part") or m.group("bare")
            if seed not in docs or (m.group("bare") and part not in docs[seed].get("parts", {})):
                out.append(m.group(0))             # an unknown seed, or a part of a document that is not another
                continue
            last_seed = seed
            spec = docs[seed].get("parts", {}).get(part, {})
            citation = seed_citation(seed, part) + (" " + part if part and not spec else "")
            heading, used = _clause(text[pos:], spec["clauses"]) if spec.get("clauses") else ("", 0)
            pos += used
        if citation not in seen:
            out.append(citation)
        elif not heading:
            out.append(_short(citation))          # cited already: its number is enough, or only the heading
        seen.add(citation)
        out.append(heading)
        pos += len(text[pos:]) - len(text[pos:].lstrip(" "))   # "《…》（…号）三、…", no space after the citation
    out.append(text[pos:])
    result = _CLAUSE_PARENS.sub(r"（\1）", "".join(out))
    result = _ASCII_NOTE.sub("", result)
    return re.sub(r"[ \t]{2,}", " ", result).strip()


__all__ = ["cite", "documents", "seed_citation"]
