"""Re-export of `core.naming` (formulation names and titles, compared folded): the answerer's old import
path, kept so concurrent edits still import; new code imports `core.naming`."""

from core.naming import CLASSIFIERS, QUOTES_RE, compact, formulation_head

__all__ = ["CLASSIFIERS", "QUOTES_RE", "compact", "formulation_head"]
