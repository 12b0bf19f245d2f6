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

That is the *evidence* score of one article's text. The stored flag weighs in who carried the story
(``story_score``; weights and threshold in ``flagging.yaml``)::

    story = evidence + RELIABILITY_WEIGHT * (reliability - NEUTRAL_RELIABILITY)
                     + SOURCE_BONUS * min(independent sources - 1, MAX_EXTRA_SOURCES)
    flagged = evidence > 0 and story >= threshold

    reliability          the best `reliability` (0.5-1.0, sources.yaml) among the sources that carried
                         the story; NEUTRAL_RELIABILITY (0.75) for a source that has none
    independent sources  distinct publishers (web hosts) among the story's URLs

With the defaults a reliable source (1.0) adds 0.25 and a weak one (0.5) takes 0.25 away; each further
publisher carrying the story adds 0.25, at most 0.75. A story with no firm-and-issue evidence is never
flagged, however many outlets carried it.
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


@dataclass(frozen=True)
class FlaggingConfig:
    """The ``flagging.yaml`` settings (defaults: the values documented above)."""
    threshold: float = DEFAULT_THRESHOLD
    reliability_weight: float = 1.0
    neutral_reliability: float = 0.75
    source_bonus: float = 0.25
    max_extra_sources: int = 3


def flagging_from_dict(data: dict | None) -> FlaggingConfig:
    """Validate a ``flagging:`` mapping; unknown keys and out-of-range values are errors."""
    data = dict(data or {})
    known = set(FlaggingConfig.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown flagging setting(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
    config = FlaggingConfig(**{k: (int(v) if k == "max_extra_sources" else float(v)) for k, v in data.items()})
    if config.threshold <= 0:
        raise ValueError("flagging threshold must be above 0")
    if not 0 <= config.neutral_reliability <= 1:
        raise ValueError("neutral_reliability must be between 0 and 1")
    if config.source_bonus < 0 or config.max_extra_sources < 0 or config.reliability_weight < 0:
        raise ValueError("reliability_weight, source_bonus and max_extra_sources must not be negative")
    return config


def story_score(evidence: float, evidence_reason: str, *, reliability: float | None, independent_sources: int,
                config: FlaggingConfig = FlaggingConfig()) -> StoryScore:
    """The stored score and flag of an article from its evidence score and the sources that carried its story."""
    reliability = config.neutral_reliability if reliability is None else reliability
    extra = min(max(independent_sources - 1, 0), config.max_extra_sources)
    score = round(evidence + config.reliability_weight * (reliability - config.neutral_reliability)
                  + config.source_bonus * extra, 3)
    flagged = evidence > 0 and score >= config.threshold
    why = evidence_reason.split(": ", 1)[-1] if evidence_reason.startswith(("flagged: ", "not flagged: ")) \
        else evidence_reason
    carried = f"{independent_sources} source{'s' if independent_sources != 1 else ''}, reliability {reliability:.2f}"
    verdict = "flagged" if flagged else "not flagged"
    return StoryScore(score, flagged, f"{verdict}: {why} [evidence {evidence:.2f}; {carried}; "
                                      f"score {score:.2f} vs threshold {config.threshold:.2f}]")


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
