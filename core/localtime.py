"""Times as people read them: the server's local zone with its UTC offset, never a bare UTC time.

Stores and logs may keep UTC (the index's `ingested_at`, the feedback log); every edge that shows or hands
out a time (pages, the CLI, the JSON API) converts it here, so staff see the hour on their own clock.
"""

from __future__ import annotations

from datetime import datetime


def local_iso(stamp: str) -> str:
    """The same instant as ISO 8601 in the server's zone ("2026-12-03T18:40:12+08:00"); text that is not a
    time with an offset comes back as it is."""
    moment = _aware(stamp)
    return moment.astimezone().isoformat(timespec="seconds") if moment else str(stamp or "")


def local_time(stamp: str) -> str:
    """ "2026-12-03 18:40:12 +08:00" in the server's zone, from any ISO time with an offset; a time without
    one is shown as it is written, and text that is not a time comes back as it is."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp or "")
    if moment.tzinfo is None:
        return moment.isoformat(sep=" ", timespec="seconds")
    local = moment.astimezone()
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S ") + offset[:3] + ":" + offset[3:]


def _aware(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None
