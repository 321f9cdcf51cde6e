"""The extractive answerer's strategies, one file each, tried in ORDER (data, not code).

Gates come first (they only refuse), except that a follow-up about one item of the previous answer
is answered from that item first; then the strategies that answer from structure
(formulations, metadata, several speeches, outline lists); facts and explanations last, since they
answer almost anything and must only get what the others declined.
"""

from __future__ import annotations

from assistant.strategies.base import Context, Draft, Found, Strategy
from assistant.strategies.cross import Cross
from assistant.strategies.facts import Facts
from assistant.strategies.focused import Focused
from assistant.strategies.formulation import Formulations
from assistant.strategies.gates import EmptySection, UndefinedTerm, UnknownTopic
from assistant.strategies.metadata import Metadata
from assistant.strategies.outline import Outline
from assistant.strategies.scope import AbsentFormulation, ScopeAbsent, UnresolvedReference

ORDER: tuple[str, ...] = (
    "unresolved_reference",
    "focused",
    "unknown_topic",
    "absent_formulation",
    "scope_absent",
    "formulation",
    "undefined_term",
    "metadata",
    "empty_section",
    "cross",
    "outline",
    "facts",
)


def default_strategies() -> list[Strategy]:
    available: list[Strategy] = [
        UnresolvedReference(),
        Focused(),
        AbsentFormulation(),
        ScopeAbsent(),
        UnknownTopic(),
        Formulations(),
        UndefinedTerm(),
        Metadata(),
        EmptySection(),
        Cross(),
        Outline(),
        Facts(),
    ]
    by_name = {s.name: s for s in available}
    return [by_name[name] for name in ORDER]


__all__ = ["ORDER", "Context", "Draft", "Found", "Strategy", "default_strategies"]
