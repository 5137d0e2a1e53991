"""The synthetic-data label (合成示例数据标识): sample data says so wherever it is shown.

A source whose notes contain :data:`SYNTHETIC_MARK` is synthetic; every result made from it carries the
flag, and every page, workbook and summary shows :data:`SYNTHETIC_LABEL`.
"""
SYNTHETIC_MARK = "合成示例数据"
SYNTHETIC_LABEL = "合成示例数据（synthetic sample data）：数字均为虚构，不代表任何真实学校或县区"
