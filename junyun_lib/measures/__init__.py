"""Measures of inequality (均衡度量), pure numerical functions on values and enrolments.

* :mod:`~junyun_lib.measures.cv` — the difference coefficient (差异系数) of 教督〔2017〕6号, the one place
  its formula lives
* :mod:`~junyun_lib.measures.inequality` — contributions to CV², leave-one-out, within/between split, Theil,
  Gini, McLoone, weighted percentiles
"""
from .cv import CVResult, weighted_cv

__all__ = ["CVResult", "weighted_cv"]
