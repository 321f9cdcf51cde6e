"""Items of a formulation that the index left empty, as found where the speech names it.

Finding them depends on the speech only, so ingest does it once (ingest/nearby.py) and stores them with the
document (`Document.nearby`, derived on read for records stored before); the answerer only looks them up.
"""

from __future__ import annotations

from core.records import Document, Formulation, NearItem


def items_near(doc: Document, form: Formulation) -> list[NearItem]:
    """The items found next to the formulation's name, [] when none are sure."""
    for found in doc.nearby or ():
        if found.name == form.name and found.start == form.start:
            return list(found.items)
    return []
