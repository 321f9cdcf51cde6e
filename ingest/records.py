"""Kept for compatibility: the records moved to `core.records` (the ground floor every layer may import).
Import from `core.records`; this module will be removed.
"""

from core.records import Chunk, Document, Formulation, FormulationItem, LoadedText, Section

__all__ = ["Chunk", "Document", "Formulation", "FormulationItem", "LoadedText", "Section"]
