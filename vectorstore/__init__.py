"""The store interface and its Chroma implementation, and the e5 embedders.

Importing the package disables the `overrides` package's import-time checks before anything here imports
chromadb (see overrides_off.py): every process that opens a store saves ≈ 0.5 s.
"""

from vectorstore.overrides_off import disable as _disable_override_checks

_disable_override_checks()
