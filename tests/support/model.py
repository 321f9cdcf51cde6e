"""The real embedding model for integration tests, built once per machine and shared.

Same convention as tests/integration/test_e5_model.py: POLICY_QA_TEST_MODEL_DIR, default var/test-model.
A data dir gets it through a symlink at `Settings.model_dir`, so a subprocess (the ingest CLI) finds it
where the app would, without a 465 MB copy or a rebuild.
"""

from __future__ import annotations

import os
from pathlib import Path

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def shared_model_dir() -> Path:
    from vectorstore.e5_builder import ensure_model

    return ensure_model(Path(os.environ.get("POLICY_QA_TEST_MODEL_DIR", ROOT / "var" / "test-model")))


def link_model(settings: Settings) -> Path:
    """Make `settings.model_dir` the shared test model; returns the link."""
    settings.model_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.model_dir.symlink_to(shared_model_dir().resolve(), target_is_directory=True)
    return settings.model_dir
