"""One story score and the flag decision.

For every tracked firm f in the story::

    s_f = ROLE_WEIGHT[role_f] * (best + extra) + title

    best  = max over asserted issues i of SEVERITY_WEIGHT[severity_i] * proximity(f, i)
            proximity = 1.0  same sentence (the title is a sentence of its own)
                        0.5  adjacent sentence of the same field
                        0    otherwise
    extra = 0.25 per further distinct issue tag in f's sentences (at most 0.75)
    title = TITLE_BONUS if f is named in the title and the story has an asserted issue of severity >= 2

    score = max_f s_f (0 without a tracked firm or an asserted issue); flagged = score >= threshold.

With the defaults an accused firm in the same sentence as an abuse of severity 2 (2.5) or 3 (3.5) is
flagged; a firm only near a context tag (severity 1: 1.0) is not, nor is a firm in a story with no asserted
issue (earnings, sport, launches: score 0), nor a negated or preventive mention (not asserted).
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 2.5
ROLE_WEIGHT = {"accused": 1.0, "linked": 0.75, "commentator": 0.3, "passing": 0.15}
SEVERITY_WEIGHT = {1: 1.0, 2: 2.5, 3: 3.5}
ADJACENT = 0.5
EXTRA_PER_TAG, EXTRA_MAX = 0.25, 0.75
TITLE_BONUS = 1.0


@dataclass
class StoryScore:
    score: float
    flagged: bool
    reason: str
    per_firm: dict[str, float] = field(default_factory=dict)


def score_story(companies: list[dict], issues: list[dict], *, threshold: float = DEFAULT_THRESHOLD) -> StoryScore:
    """``companies``: mentions with ``id``, ``name``, ``role``, ``field``, ``sent`` (sentence index in that
    field); ``issues``: asserted issues with ``tag``, ``severity``, ``field``, ``sent``, ``evidence``."""
    asserted = [i for i in issues if not i.get("negated")]
    tracked = [c for c in companies if c.get("id")]
    if not tracked or not asserted:
        why = "no tracked firm" if not tracked else "no human-rights issue asserted"
        return StoryScore(0.0, False, f"not flagged: {why}")
    title_issue = any(i["severity"] >= 2 for i in asserted)
    per_firm: dict[str, float] = {}
    why_firm: dict[str, tuple] = {}
    by_firm: dict[str, list[dict]] = {}
    for c in tracked:
        by_firm.setdefault(c["id"], []).append(c)
    for fid, mentions in by_firm.items():
        role = max((m.get("role", "passing") for m in mentions), key=lambda r: ROLE_WEIGHT.get(r, 0))
        best, best_issue, best_mention = 0.0, None, None
        tags_near: set[str] = set()
        for m in mentions:
            for i in asserted:
                if i["field"] != m["field"]:
                    continue
                gap = abs(i["sent"] - m["sent"])
                prox = 1.0 if gap == 0 else ADJACENT if gap == 1 else 0.0
                if gap == 0:
                    tags_near.add(i["tag"])
                value = SEVERITY_WEIGHT[i["severity"]] * prox
                if value > best:
                    best, best_issue, best_mention = value, i, m
        extra = min(EXTRA_MAX, EXTRA_PER_TAG * max(0, len(tags_near) - 1))
        in_title = any(m["field"] == "title" for m in mentions)
        title = TITLE_BONUS if in_title and title_issue else 0.0
        s = ROLE_WEIGHT.get(role, 0.15) * (best + extra) + title
        per_firm[fid] = round(s, 3)
        why_firm[fid] = (mentions[0]["name"], role, best_issue, in_title)
    top = max(per_firm, key=per_firm.get)
    score = per_firm[top]
    name, role, issue, in_title = why_firm[top]
    if issue is not None:
        reason = f"{name} ({role}) with '{issue['tag']}' in: \"{_clip(issue['evidence'])}\""
    else:
        reason = f"{name} ({role}) named{' in title' if in_title else ''}; issue '{asserted[0]['tag']}' elsewhere"
    flagged = score >= threshold
    return StoryScore(round(score, 3), flagged, ("flagged: " if flagged else "not flagged: ") + reason, per_firm)


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
