"""The real ingest CLI (`ingest.cli.main`) in a subprocess, with test hooks.

`python -m tests.support.ingest_proc [HOOKS] -- INGEST ARGS` runs `python -m ingest INGEST ARGS` with, on
request, the fake embedder injected through `ingest.cli.build_embedder` (the CLI has no switch for it), a
delay per embedded batch, a progress file the parent can watch, and a pause just before the commit or the
garbage collection, so a test can SIGKILL the process at a chosen point of a write.

The child's environment is the parent's without any POLICY_QA_* variable (a developer's settings must
not leak in), plus POLICY_QA_DATA_DIR and the overrides; its working directory is the data dir's parent,
so no stray `.env` from the working tree is read.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def command(
    ingest_args: Sequence[str],
    *,
    fake: bool = True,
    embed_delay_s: float = 0.0,
    progress: Path | None = None,
    pause_before: str | None = None,
) -> list[str]:
    hooks = ["--fake"] if fake else []
    if embed_delay_s:
        hooks += ["--embed-delay", str(embed_delay_s)]
    if progress is not None:
        hooks += ["--progress", str(progress)]
    if pause_before is not None:
        hooks += ["--pause-before", pause_before]
    return [sys.executable, "-m", "tests.support.ingest_proc", *hooks, "--", *ingest_args]


def environment(data_dir: Path, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["POLICY_QA_DATA_DIR"] = str(data_dir)
    env.update(overrides or {})
    return env


def start_ingest(
    ingest_args: Sequence[str],
    *,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    **hooks: Any,
) -> subprocess.Popen[str]:
    """Start the CLI; stdout/stderr are pipes (read them with `communicate()`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        command(ingest_args, **hooks),
        cwd=data_dir.parent,
        env=environment(data_dir, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="backslashreplace",  # file names that are not UTF-8 are printed as raw bytes
    )


def run_ingest(
    ingest_args: Sequence[str],
    *,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 300.0,
    **hooks: Any,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion (never raises on a non-zero exit: tests assert on it)."""
    process = start_ingest(ingest_args, data_dir=data_dir, env=env, **hooks)
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def wait_for_line(
    progress: Path, wanted: str, process: subprocess.Popen[str], timeout_s: float = 120.0
) -> None:
    """Block until the child wrote `wanted` as a line of its progress file."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if progress.exists() and wanted in progress.read_text(encoding="utf-8").splitlines():
            return
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"ingest exited ({process.returncode}) before {wanted!r}: {err[-2000:]}")
        time.sleep(0.05)
    raise TimeoutError(f"ingest never reached {wanted!r}")


# --- the child side -------------------------------------------------------------------------------


class _Hooked:
    """Wraps the embedder: logs each batch ("embed N" before it is embedded), then sleeps."""

    def __init__(self, inner: Any, delay_s: float, note: Callable[[str], None]) -> None:
        self._inner = inner
        self._delay_s = delay_s
        self._note = note
        self._batches = 0
        self.dimension = inner.dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self._batches += 1
        self._note(f"embed {self._batches}")
        time.sleep(self._delay_s)
        return list(self._inner.embed_passages(texts))

    def embed_query(self, text: str) -> list[float]:
        return list(self._inner.embed_query(text))


def _noter(progress: str | None) -> Callable[[str], None]:
    def note(line: str) -> None:
        if progress:
            with open(progress, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()

    return note


def _pause_before(name: str, note: Callable[[str], None]) -> None:
    """Make ChromaStore.<name> announce itself, then wait to be killed (bounded: a test that forgets to
    kill must not hang forever)."""
    from vectorstore.chroma import ChromaStore

    original = getattr(ChromaStore, name)

    @functools.wraps(original)
    def paused(self: Any, *args: Any, **kwargs: Any) -> Any:
        note(name)
        time.sleep(60)
        return original(self, *args, **kwargs)

    setattr(ChromaStore, name, paused)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.ingest_proc")
    parser.add_argument("--fake", action="store_true", help="use tests.fakes.FakeEmbedder")
    parser.add_argument("--embed-delay", type=float, default=0.0)
    parser.add_argument("--progress", default=None)
    parser.add_argument("--pause-before", choices=["commit", "collect_garbage"], default=None)
    parser.add_argument("ingest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    ingest_args = args.ingest_args[1:] if args.ingest_args[:1] == ["--"] else args.ingest_args

    from ingest import cli
    from tests.fakes import FakeEmbedder

    note = _noter(args.progress)
    real = cli.build_embedder

    def build(settings: Any) -> Any:
        inner = FakeEmbedder() if args.fake else real(settings)
        return _Hooked(inner, args.embed_delay, note) if (args.embed_delay or args.progress) else inner

    cli.build_embedder = build
    if args.pause_before:
        _pause_before(args.pause_before, note)
    note("started")
    code = cli.main(ingest_args)
    note(f"exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
