"""Dates as publishers write them, normalised to ISO 8601 UTC."""
from __future__ import annotations

import calendar
import time
from datetime import datetime, timezone

from dateutil import parser as date_parser


def to_utc_iso(value: str | None) -> str | None:
    """'2017-11-20T08:30:00+07:00' -> '2017-11-20T01:30:00Z'. A time without a zone is taken as UTC.

    Returns None for what cannot be read as a date.
    """
    if not value or not value.strip():
        return None
    try:
        parsed = date_parser.parse(value.strip())
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def struct_time_to_iso(value: time.struct_time | None) -> str | None:
    """feedparser's *_parsed tuples are UTC: calendar.timegm, never time.mktime (local time)."""
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
