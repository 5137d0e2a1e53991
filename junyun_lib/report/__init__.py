"""Reports (输出): what people and other programs read — text, tables, JSON, workbooks, briefings, charts.

* :mod:`~junyun_lib.report.labels` — Chinese headers and number formats
* :mod:`~junyun_lib.report.text` — the printed summary of ``junyun evaluate``
* :mod:`~junyun_lib.report.jsonview`, :mod:`~junyun_lib.report.jsonvalues` — the results JSON
* :mod:`~junyun_lib.report.excel` — the result workbook's sheets
* :mod:`~junyun_lib.report.scorecard_view` — the evaluation form laid out
* :mod:`~junyun_lib.report.plan_report` — plan progress as text, tables, JSON
* :mod:`~junyun_lib.report.briefing` — the content of a county briefing
* :mod:`~junyun_lib.report.overview` — the cross-county table and index page
* :mod:`~junyun_lib.report.charts` — charts with a Chinese font
* :mod:`~junyun_lib.report.html_export` — executed notebooks to self-contained pages

Functions here build content; the workspace decides where it is written.
"""
