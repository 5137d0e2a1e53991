"""Row builder for tests: one valid raw school row (English field aliases) with only the numbers a test cares about.

``school("S1", "小学", primary=500, teaching_aux_area_m2=2500)`` gives a row that passes the reader's validator:
every required column present (0 unless given), classes and largest class consistent with enrolment
(at most 40 per class unless the test overrides ``classes_*`` / ``max_class_*``), built 2018 in an urban area.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from junyun_lib.rules import schema
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.reader import read_schools

COUNTY = "测试县"
YEAR = 2023
JINXIAN_DATA = Path(__file__).resolve().parents[1] / "data"   # holds raw/jinxian/county.toml (CV "<")

# music and art rooms are optional in the school table (blank = no data); the rows here state 0 unless given
REQUIRED = [c.field for c in schema.columns() if c.needed] + ["music_rooms", "music_room_min_area_m2", "art_rooms",
                                                             "art_room_min_area_m2"]
INDICATORS = ["teachers_above_degree", "key_teachers", "pe_art_teachers", "teaching_aux_area", "sports_area",
              "equipment_value", "multimedia_classrooms"]


def school(school_id: str, school_type: str, *, primary: int = 0, junior: int = 0, senior: int = 0,
           county: str = COUNTY, year: int = YEAR, urban_rural: str = "城区", ownership: str = "公办",
           built_year: int = 2018, **values) -> dict:
    """One raw row. ``values`` are any other fields (English aliases), e.g. ``sports_area_m2=4000``."""
    row = {f: 0 for f in REQUIRED}
    row.update(school_id=school_id, school_name=f"{school_id}{school_type}", county=county, year=year,
               school_type=school_type, urban_rural=urban_rural, ownership=ownership, built_year=built_year,
               students_primary=primary, students_junior=junior, students_senior=senior)
    for stage, n in (("primary", primary), ("junior", junior)):
        if n > 0:
            classes = math.ceil(n / 40)
            row[f"classes_{stage}"] = classes
            row[f"max_class_{stage}"] = math.ceil(n / classes)
    row.update(values)
    return row


def meeting_primary(school_id: str = "P1", students: int = 500, **values) -> dict:
    """A 500-student 小学 whose 7 indicators all reach the primary standard:

    21×100/500 = 4.2 (= 4.2) · 5×100/500 = 1.0 (= 1.0) · 5×100/500 = 1.0 (≥ 0.9) · 2500/500 = 5.0 m² (≥ 4.5)
    · 4000/500 = 8.0 m² (≥ 7.5) · 1 100 000/500 = 2200 元 (≥ 2000) · 12×100/500 = 2.4 (≥ 2.3)
    """
    base = dict(teachers_above_degree_primary=21, key_teachers_primary=5, pe_art_teachers_primary=5,
                teaching_aux_area_m2=2500, sports_area_m2=4000, equipment_value_yuan=1_100_000,
                multimedia_classrooms=12)
    base.update(values)
    return school(school_id, "小学", primary=students, **base)


def meeting_junior(school_id: str = "J1", students: int = 500, **values) -> dict:
    """A 500-student 初级中学 whose 7 indicators all reach the junior standard:

    27×100/500 = 5.4 (≥ 5.3) · 5×100/500 = 1.0 · 5×100/500 = 1.0 (≥ 0.9) · 3000/500 = 6.0 m² (≥ 5.8)
    · 5500/500 = 11.0 m² (≥ 10.2) · 1 300 000/500 = 2600 元 (≥ 2500) · 12×100/500 = 2.4 (= 2.4)
    """
    base = dict(teachers_above_degree_junior=27, key_teachers_junior=5, pe_art_teachers_junior=5,
                teaching_aux_area_m2=3000, sports_area_m2=5500, equipment_value_yuan=1_300_000,
                multimedia_classrooms=12)
    base.update(values)
    return school(school_id, "初级中学", junior=students, **base)


def run(rows: list[dict], data_dir, standard: str = "quality-2017"):
    """Read ``rows`` through the real reader and evaluate them."""
    table = read_schools(pd.DataFrame(rows))
    return evaluate(table, standard=standard, counties=configs(data_dir))


def part(evaluation, school_id: str, stage: str) -> pd.Series:
    """The one parts row of a school and stage."""
    p = evaluation.parts
    hit = p[(p["school_id"] == school_id) & (p["part"] == stage)]
    assert len(hit) == 1, f"expected one {stage} part of {school_id}, got {len(hit)}"
    return hit.iloc[0]


def indicator(evaluation, stage: str, code: str, county: str = COUNTY) -> pd.Series:
    t = evaluation.indicators
    hit = t[(t["county"] == county) & (t["stage"] == stage) & (t["indicator"] == code)]
    assert len(hit) == 1, f"expected one row for {stage}/{code}, got {len(hit)}"
    return hit.iloc[0]


def configs(data_dir) -> dict:
    """The county configurations of a data folder (e.g. the repository's, where 进贤县's "<" lives)."""
    from junyun_lib.workspace import Workspace

    return Workspace(data_dir).counties() if data_dir is not None else {}


def ingest(files, data_dir) -> list[Path]:
    """Ingest raw files into ``data_dir`` through a Workspace; files from elsewhere (the repository's sample
    data) are first copied to ``data_dir/raw/<their folder name>/``, as an analyst would put them there."""
    import shutil

    from junyun_lib.workspace import Workspace

    data_dir = Path(data_dir).resolve()
    staged = []
    for f in map(Path, files):
        f = f.resolve()
        if data_dir not in f.parents:
            target = data_dir / "raw" / f.parent.name / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)
            f = target
        staged.append(f)
    return Workspace(data_dir).ingest(staged)


SAMPLE_FILES = ("county.toml", "plan.csv", "county_indicators_{year}.csv", "schools_{year}.xlsx")


def sample_county_folder(data_dir, slug: str, year: int) -> Path:
    """A bundled sample county's files of ``year`` (its county.toml, plan, county-level table and school table)
    copied into ``data_dir/raw/<slug>/``, as an analyst puts them there; returns that folder."""
    import shutil

    repo = Path(__file__).resolve().parents[1]
    folder = Path(data_dir) / "raw" / slug
    folder.mkdir(parents=True)
    for name in SAMPLE_FILES:
        name = name.format(year=int(year))
        shutil.copy(repo / "data" / "raw" / slug / name, folder / name)
    return folder

