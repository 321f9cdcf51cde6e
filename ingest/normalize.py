"""Kept for compatibility: character folding moved to `core.normalize` (the ground floor every layer may import).
Import from `core.normalize`; this module will be removed.
"""

from core.normalize import QUOTE, fold_for_search, normalize_for_match

__all__ = ["QUOTE", "fold_for_search", "normalize_for_match"]
