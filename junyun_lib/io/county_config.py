"""Reading a county's ``county.toml`` (县区配置文件) into a :class:`~junyun_lib.rules.counties.CountyConfig`.

The file is decoded like every text file junyun reads (:func:`junyun_lib.io.textfile.decode`: a byte-order
mark decides, else UTF-8, else GBK/GB18030), so a file saved by Notepad as "ANSI" or "Unicode" is read; a file
that is not text is a located error."""
from __future__ import annotations

from pathlib import Path

from ..rules.counties import CountyConfig, parse_county_config
from .textfile import decode, read_bytes


def read_county_config(path) -> CountyConfig:
    """Read and check a ``county.toml``; its folder's name must be its slug.  Raises :class:`ValidationError`."""
    path = Path(path)
    text, _ = decode(read_bytes(path, "县区配置文件"), str(path))
    return parse_county_config(text, str(path), folder=path.parent.name)
