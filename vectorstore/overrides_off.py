"""chromadb without the `overrides` package's import-time checks: ≈ 0.5–0.7 s less to open a store.

chromadb decorates ≈ 160 methods with `overrides.override`, which, for each one, disassembles the bytecode of
the class being defined (`dis.get_instructions`) to find its base classes and then compares signatures — a
development-time check of chromadb's own code, paid by every process that imports it (measured on the 2-core
target: `import chromadb` + opening the sample index 2.2–2.9 s → 1.2–2.0 s). `disable()` swaps the decorator
for one that only marks the method, as the real one does (chromadb's `EnforceOverrides` classes check that
mark), before chromadb is first imported. chromadb is the only user of `overrides` in the environment.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def _mark(method: Any) -> Any:
    method.__override__ = True  # what EnforceOverrides looks for
    return method


def override(method: Any = None, **_checks: Any) -> Any:
    """`@override` and `@override(check_signature=…)`, without the checks."""
    return _mark(method) if method is not None else _mark


def disable() -> None:
    """Before chromadb's first import only: later, its classes are already built (and checked)."""
    if "chromadb" in sys.modules:
        return
    try:
        import overrides
        import overrides.overrides as implementation
    except ImportError:  # chromadb would fail to import anyway; let it say so
        return
    replacement: Callable[..., Any] = override
    for module in (overrides, implementation):
        setattr(module, "override", replacement)  # noqa: B010  (a module attribute mypy does not see)
        setattr(module, "overrides", replacement)  # noqa: B010
