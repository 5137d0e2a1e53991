"""The seed texts (种子文本) some tests check transcriptions against: ``../shared/seeds`` beside the repository,
or where ``$JUNYUN_SEEDS`` points (a worktree elsewhere).  Where they are not, those tests are skipped, saying
why — never a hard-coded path of one machine."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS = Path(os.environ.get("JUNYUN_SEEDS") or Path(__file__).resolve().parents[1].parent / "shared" / "seeds")


def seed_text(number: str) -> str:
    """The text of seed ``<number>_*.txt``; the calling test is skipped, with the reason, when it is not there."""
    found = sorted(SEEDS.glob(f"{number}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"seed {number}_*.txt not found in {SEEDS} (../shared/seeds beside the repository, or "
                    "$JUNYUN_SEEDS)")
    return found[0].read_text(encoding="utf-8")
