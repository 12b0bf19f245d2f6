"""Rank untracked organisations from flagged stories as candidate firms for researchers to add.

A candidate's score sums, over the distinct stories it appears in, the story's score times the weight of
its strongest role there (accused 3, linked 2, commentator 1, passing 0.5): a firm accused in several
flagged stories comes before one quoted once. Spellings are grouped by their normalised name ("Acme
Mining Ltd", "Acme Mining's"). Public bodies, NGOs and the like (a ministry, police, a rights centre) are
not firms and are left out, as are names that are already tracked (an alias the linker missed in context).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .names import normalise

ROLE_WEIGHT = {"accused": 3.0, "linked": 2.0, "commentator": 1.0, "passing": 0.5}
NOT_A_FIRM_WORDS = frozenset(
    "ministry ministries department government govt police army military court tribunal parliament senate "
    "congress council commission committee agency authority university college school institute "
    "foundation association federation union league party centre center watch amnesty nations "
    "church mosque hospital museum embassy coalition network campaign movement alliance".split()
)


@dataclass
class Candidate:
    name: str                  # the most frequent spelling
    score: float
    stories: int
    flagged: int               # flagged articles it appears in
    roles: dict[str, int]
    example_title: str

    def as_dict(self) -> dict:
        return {"name": self.name, "score": round(self.score, 2), "stories": self.stories,
                "flagged": self.flagged, "roles": self.roles, "example_title": self.example_title}


def looks_like_a_public_body(name: str) -> bool:
    return any(word in NOT_A_FIRM_WORDS for word in normalise(name).split())


def rank_candidates(rows: list[dict], tracked_keys: set[str]) -> list[Candidate]:
    """``rows``: dicts with mention, role, article_id, story_id, title, score (store.candidates)."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    best_role: dict[str, dict[int, float]] = defaultdict(dict)     # key -> story -> weighted score
    articles: dict[str, set[int]] = defaultdict(set)
    roles: dict[str, Counter] = defaultdict(Counter)
    example: dict[str, tuple[float, str]] = {}
    for row in rows:
        mention = row["mention"].removesuffix("'s").removesuffix("’s").strip()
        key = normalise(mention)
        if len(key) < 3 or key in tracked_keys or looks_like_a_public_body(mention):
            continue
        spellings[key][mention] += 1
        weighted = ROLE_WEIGHT.get(row["role"], 0.5) * (row["score"] or 0.0)
        story = row["story_id"] or row["article_id"]
        best_role[key][story] = max(best_role[key].get(story, 0.0), weighted)
        articles[key].add(row["article_id"])
        roles[key][row["role"]] += 1
        if weighted > example.get(key, (-1.0, ""))[0]:
            example[key] = (weighted, row["title"] or "")
    ranked = [Candidate(spellings[k].most_common(1)[0][0], sum(best_role[k].values()), len(best_role[k]),
                        len(articles[k]), dict(roles[k]), example[k][1])
              for k in spellings]
    return sorted(ranked, key=lambda c: (-c.score, -c.stories, c.name))
