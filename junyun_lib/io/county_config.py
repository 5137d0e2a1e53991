"""Reading a county's ``county.toml`` (县区配置文件) into a :class:`~junyun_lib.rules.counties.CountyConfig`."""
from __future__ import annotations

from pathlib import Path

from ..problems import Problem, ValidationError
from ..rules.counties import CountyConfig, parse_county_config


def read_county_config(path) -> CountyConfig:
    """Read and check a ``county.toml``; its folder's name must be its slug.  Raises :class:`ValidationError`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([Problem("error", "encoding", "配置文件应为 UTF-8 编码", "county.toml must be UTF-8",
                                       file=str(path))]) from None
    return parse_county_config(text, str(path), folder=path.parent.name)
