"""Kept for compatibility: the jieba tokens moved to `core.tokens` (the ground floor every layer may import).
Import from `core.tokens`; this module will be removed.
"""

from core.tokens import STOPWORDS, ensure_jieba, tokenize, tokenize_query, use_dictionary_cache

__all__ = ["STOPWORDS", "ensure_jieba", "tokenize", "tokenize_query", "use_dictionary_cache"]
