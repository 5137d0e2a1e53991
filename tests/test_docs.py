"""The documents a newcomer reads (issue 29 item 6): short enough for an hour, every link resolving, every
decision filed once under its number with a status."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
NEWCOMER = [REPO / "README.md", DOCS / "guide.md", DOCS / "architecture.md", DOCS / "glossary.md"]
DECISIONS = DOCS / "decisions"
TOPICS = ["rules", "data", "import", "planning", "reports", "engineering"]

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXPLICIT_ID = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
STATUS = re.compile(r"^(in force(; amended by (\[\d+\]\([^)]*\))(, \[\d+\]\([^)]*\))*)?|superseded by \[(\d+)\]\([^)]*\))$")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of a Markdown file outside fenced code blocks, with inline code spans blanked."""
    out, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, CODE_SPAN.sub("", line)))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces → -."""
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for _, line in prose_lines(path):
        found.update(EXPLICIT_ID.findall(line))
        m = HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]


def links(path: Path) -> list[tuple[int, str]]:
    return [(number, target) for number, line in prose_lines(path) for target in LINK.findall(line)]


def broken_links(path: Path) -> list[str]:
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):        # http:, https:, mailto: …
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(REPO)}:{number} → {target}"
        if not dest.exists():
            problems.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where}: no heading or id '{anchor}' in {dest.relative_to(REPO)}")
    return problems


# ------------------------------------------------------------------------------------------- the newcomer's hour
def test_the_newcomer_documents_are_read_in_an_hour():
    lines = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in NEWCOMER}
    assert sum(lines.values()) < 600, lines


def test_the_readme_opens_with_the_title_and_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 150, len(lines)
    assert lines[0].startswith("# ")
    block = re.search(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)
    assert block, "the README has no code block"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"], commands
    assert text.index(block.group(0)) < text.index("\n## "), "the commands come before the first section"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "合成" in text and "synthetic" in text


def test_the_readme_quotes_performance_from_the_benchmarks_page():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "(docs/benchmarks.md)" in text


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(path):
    assert not broken_links(path), broken_links(path)


def test_the_link_checker_finds_a_broken_link(tmp_path):
    (tmp_path / "a.md").write_text("# Title here\n\n[ok](#title-here) [bad](#nowhere) [gone](b.md)\n"
                                   "`[code](c.md)`\n```\n[fenced](d.md)\n```\n", encoding="utf-8")
    global REPO
    saved, REPO = REPO, tmp_path
    try:
        problems = broken_links(tmp_path / "a.md")
    finally:
        REPO = saved
    assert len(problems) == 2 and "nowhere" in problems[0] and "b.md" in problems[1], problems
    assert slug("4. Difference coefficient (差异系数) — `cv.py`") == "4-difference-coefficient-差异系数--cvpy"


# ----------------------------------------------------------------------------------------------- decisions
def decision_entries() -> dict[int, tuple[str, str, str]]:
    """number → (topic, status under the heading, status in the topic's summary table)."""
    entries, table = {}, {}
    for topic in TOPICS:
        lines = (DECISIONS / f"{topic}.md").read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            row = re.match(r"^\| \[(\d+)\]\(#decision-\1\) \| .+ \| (.+) \|$", line)
            if row:
                assert int(row.group(1)) not in table, f"decision {row.group(1)} has two summary rows"
                table[int(row.group(1))] = (topic, row.group(2).strip())
            head = re.match(r"^## (\d+)\. \S", line)
            if head:
                n = int(head.group(1))
                assert n not in entries, f"decision {n} is filed twice ({entries[n][0]} and {topic})"
                status = next((x for x in lines[i + 1:i + 4] if x.startswith("**Status:** ")), "")
                entries[n] = (topic, status.removeprefix("**Status:** ").strip(), "")
    for n, (topic, status, _) in entries.items():
        entries[n] = (topic, status, table.get(n, ("", ""))[1] if table.get(n, ("",))[0] == topic else "")
    return entries


def test_every_decision_is_filed_once_with_a_status():
    entries = decision_entries()
    top = max(entries)
    assert sorted(entries) == list(range(1, top + 1)), sorted(set(range(1, top + 1)) - set(entries))
    for n, (topic, status, row_status) in sorted(entries.items()):
        assert STATUS.match(status), f"decision {n} ({topic}): status {status!r}"
        assert row_status == status, f"decision {n}: summary row says {row_status!r}, heading {status!r}"
        superseded = STATUS.match(status).group(5)
        if superseded:
            assert int(superseded) in entries and int(superseded) > n, f"decision {n} superseded by {superseded}"


def test_the_decision_index_names_each_topic_file_and_its_numbers():
    entries = decision_entries()
    index = (DOCS / "decisions.md").read_text(encoding="utf-8")
    for topic in TOPICS:
        row = re.search(rf"^\| \[{topic}\]\(decisions/{topic}\.md\) \| .* \| (.+) \|$", index, re.M)
        assert row, f"docs/decisions.md lists no {topic}"
        listed = set()
        for part in row.group(1).split(","):
            lo, _, hi = part.strip().partition("–")
            listed |= set(range(int(lo), int(hi or lo) + 1))
        assert listed == {n for n, e in entries.items() if e[0] == topic}, topic


def test_the_architecture_names_every_module():
    """docs/architecture.md stays current: every module of junyun_lib is named in it as code (`name`,
    `package.name` or `name.py`), so a new module fails here until the page says what it holds."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    missing = [str(p.relative_to(REPO)) for p in sorted((REPO / "junyun_lib").rglob("*.py"))
               if p.name != "__init__.py" and not re.search(rf"`(?:[\w.]*\.)?{re.escape(p.stem)}(?:\.py)?`", text)]
    assert not missing, f"docs/architecture.md does not name {missing}"
