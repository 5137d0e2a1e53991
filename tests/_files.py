"""File fingerprints for tests that check what a command wrote, changed or left alone."""
from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path) -> str:
    """The SHA-256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden temporary files included) with the hash of its bytes."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}
