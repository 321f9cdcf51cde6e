"""Gradio imported without regenerating its own type stubs: ≈ 1.4 s of CPU less before the app can serve.

On every import, Gradio's component metaclass (`gradio.component_meta.create_or_modify_pyi`) reads the source
file of each of its ~80 component classes, parses it with `ast`, and rewrites the `.pyi` stub beside it when the
stub differs — a help for Gradio's own developers' editors, paid by every process that imports it (measured on
the 2-core target, 3 pairs interleaved: `import gradio` 3.7 / 5.6 / 4.6 s of CPU → 2.3 / 3.0 / 3.0 s).
`install()` registers an import hook that replaces that one function with a no-op as soon as its module is
loaded, before the components are defined; nothing else of Gradio changes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_MODULE = "gradio.component_meta"


def _no_stub(*_args: Any, **_kwargs: Any) -> None:
    return None


class _SkipStubs(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            module.create_or_modify_pyi = _no_stub  # type: ignore[attr-defined]

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Before Gradio's first import; a no-op once it is imported (its components exist by then)."""
    if _MODULE in sys.modules or any(isinstance(f, _SkipStubs) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _SkipStubs())
