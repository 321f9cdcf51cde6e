"""The structures found in a speech beyond its outline and formulations: its enumerable lists, its parallel
runs and the items found where an item-less formulation is named. Found once, here, and stored with the
document; a record stored before they were is given them on read the same way (`with_structures`)."""

from __future__ import annotations

import dataclasses

from core.records import Document
from ingest.lists import find_lists
from ingest.nearby import nearby_items
from ingest.runs import parallel_runs


def with_structures(doc: Document) -> Document:
    """`doc` with its lists, runs and nearby items (needs its outline and formulations)."""
    lists = tuple(find_lists(doc))
    return dataclasses.replace(
        doc, lists=lists, runs=tuple(parallel_runs(doc)), nearby=nearby_items(doc, lists)
    )


def has_structures(doc: Document) -> bool:
    return doc.lists is not None and doc.runs is not None and doc.nearby is not None
