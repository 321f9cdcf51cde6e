"""The ground floor: what every layer shares and none of them owns.

Records (`Document`, `Chunk`, `Section`, `Formulation` …), character folding, jieba tokens, Chinese numerals
and sentence splitting. Nothing here imports `ingest`, `vectorstore`, `assistant` or `web` (checked by
tests/unit/test_imports.py), and nothing heavy happens at import time (jieba loads on first use).
"""
