"""Files in and out (文件读写): every file junyun reads or writes goes through this layer.

* :mod:`~junyun_lib.io.reader`, :mod:`~junyun_lib.io.validation` — the raw school table (xlsx, csv)
* :mod:`~junyun_lib.io.template` — the blank school-table template
* :mod:`~junyun_lib.io.importer` — education-statistics exports → the canonical school table
* :mod:`~junyun_lib.io.supplement` — the supplementary table for what the statistics forms lack (music and art rooms)
* :mod:`~junyun_lib.io.county_table` — county-level indicator tables
* :mod:`~junyun_lib.io.plan_file` — a county's plan (``plan.csv``)
* :mod:`~junyun_lib.io.county_config` — a county's ``county.toml``
* :mod:`~junyun_lib.io.costs` — unit costs
* :mod:`~junyun_lib.io.processed` — the processed Parquet store
* :mod:`~junyun_lib.io.atomic` — every output written to a temporary file and renamed into place
* :mod:`~junyun_lib.io.sample` — the synthetic sample data

Functions here take the paths they are given; which paths those are (the data and outputs folders) is
decided by :mod:`junyun_lib.workspace` alone.
"""
