"""Fixtures the unit tests share: the sample speeches in a fake store, the assistant over them and its
corpus. Module-scoped (each test module gets its own assistant, as it had before), built from the
process-wide `sample_speeches()`. A module that needs another store or corpus defines its own fixture of
the same name, which overrides these."""

from __future__ import annotations

import pytest

from assistant.corpus import Corpus
from assistant.service import PolicyAssistant
from tests.fakes import MemoryStore, sample_speeches


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    return MemoryStore(sample_speeches())


@pytest.fixture(scope="module")
def assistant(store: MemoryStore) -> PolicyAssistant:
    return PolicyAssistant(store)


@pytest.fixture(scope="module")
def corpus(assistant: PolicyAssistant) -> Corpus:
    return assistant.corpus()
