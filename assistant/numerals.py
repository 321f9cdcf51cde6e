"""Kept for compatibility: Chinese numerals moved to `core.numerals` (the ground floor every layer may import).
Import from `core.numerals`; this module will be removed.
"""

from core.numerals import NUMERAL_RE, ORDINAL_CN, count_word, parse_numeral, to_chinese

__all__ = ["NUMERAL_RE", "ORDINAL_CN", "count_word", "parse_numeral", "to_chinese"]
