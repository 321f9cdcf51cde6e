"""Real file-system faults for one test: a read-only data dir and a full disk.

Both need the kernel's help, not a mock: Chroma writes from Rust and SQLite from C, where no Python
monkeypatch reaches. As a normal user a read-only dir is just `chmod a-w`; as root (CI containers)
permissions are not enforced, so the command runs in a private mount namespace with a read-only bind
mount of the dir (`unshare`). A full disk is a small tmpfs mounted on the dir (root only). Where the
kernel refuses, the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# $0 is the dir; the rest is the command to run with the dir read-only.
_RO_SCRIPT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


@contextmanager
def read_only(path: Path) -> Iterator[Callable[[list[str]], list[str]]]:
    """Yields a function that wraps a command so that `path` is read-only for it (and its children)."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
        for p, mode in modes.items():
            p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield lambda command: command
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    probe = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        _RO_SCRIPT,
        str(path),
        "true",
    ]
    if shutil.which("unshare") is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("running as root without the right to make a private read-only mount")
    yield lambda command: [*probe[:-1], *command]


@contextmanager
def small_disk(path: Path, size_mb: int = 16) -> Iterator[Path]:
    """A tmpfs of `size_mb` mounted on `path` (created empty); unmounted on exit."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(directory: Path, leave_bytes: int = 64 * 1024) -> Path:
    """Fill the file system of `directory` up to `leave_bytes` with a ballast file; returns it."""
    ballast = directory / "ballast"
    free = shutil.disk_usage(directory).free
    # ENOSPC part-way is fine: full is what we wanted.
    with ballast.open("wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * max(free - leave_bytes, 0))
    return ballast
