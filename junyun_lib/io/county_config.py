"""Reading a county's ``county.toml`` (县区配置文件) into a :class:`~junyun_lib.rules.counties.CountyConfig`.

The file is decoded like every text file junyun reads (:func:`junyun_lib.io.textfile.decode`: a byte-order
mark decides, else UTF-8, else GBK/GB18030), so a file saved by Notepad as "ANSI" or "Unicode" is read; a file
that is not text is a located error."""
from __future__ import annotations

from pathlib import Path

from ..problems import Problem, ValidationError
from ..rules.counties import CountyConfig, parse_county_config
from .textfile import decode, read_bytes


def read_county_config(path) -> CountyConfig:
    """Read and check a ``county.toml``; its folder's name must be its slug.  Raises :class:`ValidationError`."""
    path = Path(path)
    text, _ = decode(read_bytes(path, "县区配置文件"), str(path))
    return parse_county_config(text, str(path), folder=path.parent.name)


def read_county_configs(paths) -> tuple[dict[str, CountyConfig], dict[str, ValidationError]]:
    """Every ``county.toml`` of ``paths``: ``({county name: config}, {folder name: its problems})`` — a file that
    cannot be read, or names a county another file already named, is kept aside so the others still work."""
    configs, errors = {}, {}
    for path in paths:
        try:
            cfg = read_county_config(path)
        except ValidationError as exc:
            errors[Path(path).parent.name] = exc
            continue
        if cfg.name in configs:
            errors[Path(path).parent.name] = ValidationError([Problem(
                "error", "duplicate_county", f"县区名称「{cfg.name}」已由 {configs[cfg.name].source} 使用",
                f"county name {cfg.name!r} is already used by {configs[cfg.name].source}", file=str(path),
                column="name", value=cfg.name)])
            continue
        configs[cfg.name] = cfg
    return configs, errors


def minimal_county_toml(name: str, slug: str, year: int | None = None) -> str:
    """The text of a minimal ``county.toml`` for a county new to junyun (新县区的最简县区配置): ``name`` and
    ``slug``, the statistics year it was made for as a comment (a comment, not a key: the format,
    ``rules/county_config.toml``, has no such key and a county's configuration holds for every year), and the
    optional keys commented out for the analyst to fill in.

    Examples
    --------
    >>> text = minimal_county_toml('合成"县', "hechengxian", 2023)
    >>> parse_county_config(text, "county.toml", "hechengxian").name
    '合成"县'
    """
    import json

    made = f"导入 {int(year)} 年统计数据时" if year is not None else "导入时"
    # json.dumps gives a TOML basic string: quotes, backslashes and control characters escaped
    return "\n".join([
        f"# 县区配置 (county configuration)：由 junyun import 在{made}新建，此后不会被覆盖；可按需修改。",
        "# 格式见 docs/import.md “The county configuration”（The format: docs/import.md）。",
        "# 可补充 (may add)：province 所属省份、city 所属地市（总览页按此分组）、plan 推进计划名称和文号、",
        "# plan_target_year 规划目标年（达标路线图）、[county_targets] 比国家标准更严的县区目标。",
        f"name = {json.dumps(name, ensure_ascii=False)}",
        f"slug = {json.dumps(slug)}",
        '# province = ""',
        '# city = ""',
        '# plan = ""',
        "# plan_target_year = 2030",
        ""])


def write_new_county_config(path, name: str, slug: str, year: int | None = None) -> bool:
    """Write a minimal ``county.toml`` (:func:`minimal_county_toml`) to ``path`` unless a file is there —
    never overwritten.  The text is checked as every ``county.toml`` is read (a name with a control character
    is refused: :class:`~junyun_lib.problems.ValidationError`).  True when written."""
    from . import atomic

    path = Path(path)
    text = minimal_county_toml(name, slug, year)
    parse_county_config(text, str(path), folder=path.parent.name)
    return atomic.write_new_text(path, text)
