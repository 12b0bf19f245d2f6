"""How a failing source is treated: what kind of failure it is, how long to back off, when to give up.

  hard       the source is gone or refuses us (HTTP 401/403/404/410, DNS failure, not a feed):
             weight 3. It will rarely fix itself; a person should look.
  temporary  the source is down or slow (timeouts, refused connections, HTTP 5xx/429): weight 1.
  soft       it answered, but badly (a malformed feed we could still read): weight 0.5.

Weights add up over consecutive failed polls (a success resets them). The source backs off for
BASE_BACKOFF[kind] * 2^(n-1) (capped at a week) and is disabled once the total reaches DISABLE_AT:
three hard failures in a row, or nine temporary ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

WEIGHT = {"hard": 3.0, "temporary": 1.0, "soft": 0.5}
BASE_BACKOFF = {"hard": timedelta(hours=6), "temporary": timedelta(hours=1), "soft": timedelta(0)}
MAX_BACKOFF = timedelta(days=7)
DISABLE_AT = 9.0

_HARD_HTTP = {401, 403, 404, 410, 451}


def failure_kind(error: str) -> str:
    """Classify one failure message as produced by the spider."""
    status = re.match(r"HTTP (\d{3})", error)
    if status:
        return "hard" if int(status.group(1)) in _HARD_HTTP else "temporary"
    lowered = error.lower()
    if "dns" in lowered or "unreadable feed" in lowered or "not an rss" in lowered:
        return "hard"
    if "recovered" in lowered:
        return "soft"
    return "temporary"


@dataclass(frozen=True)
class Health:
    state: str                    # active | backoff | disabled
    failure_score: float
    backoff_until: str | None     # ISO 8601 UTC


def after_failure(score: float, consecutive: int, kind: str, now: datetime | None = None) -> Health:
    """The source's health after one more failed poll (`consecutive` counts this one)."""
    now = now or datetime.now(timezone.utc)
    score += WEIGHT[kind]
    if score >= DISABLE_AT:
        return Health("disabled", score, None)
    delay = min(MAX_BACKOFF, BASE_BACKOFF[kind] * 2 ** max(0, consecutive - 1))
    if not delay:
        return Health("active", score, None)
    return Health("backoff", score, (now + delay).strftime("%Y-%m-%dT%H:%M:%SZ"))


def due(state: str, backoff_until: str | None, now: datetime | None = None) -> bool:
    """Should the source be polled now?"""
    if state == "disabled":
        return False
    if state == "backoff" and backoff_until:
        now = now or datetime.now(timezone.utc)
        return now.strftime("%Y-%m-%dT%H:%M:%SZ") >= backoff_until
    return True
