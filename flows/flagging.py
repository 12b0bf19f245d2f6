"""The flagging settings (flagging.yaml) and rescoring stored stories with them.

The score itself is nlp.scoring.story_score; this module reads the settings and the stored
evidence and sources, and writes the result through store/.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from nlp.scoring import FlaggingConfig, StoryScore, flagging_from_dict, story_score
from store.analysis_state import evidence_of, story_carriers
from store.annotations import set_story_score

DEFAULT_FLAGGING_PATH = Path(__file__).resolve().parent.parent / "flagging.yaml"


class FlaggingConfigError(ValueError):
    """flagging.yaml cannot be used; the message says which file and why."""


def load_flagging(path: Path | None = None) -> FlaggingConfig:
    """The `flagging:` section of `path` (default: flagging.yaml at the project root; the documented
    defaults when that file is absent)."""
    path = Path(path) if path else DEFAULT_FLAGGING_PATH
    if not path.exists():
        if path == DEFAULT_FLAGGING_PATH:
            return FlaggingConfig()
        raise FlaggingConfigError(f"{path}: no such flagging settings file")
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        if not isinstance(data, dict) or not isinstance(data.get("flagging", {}), dict):
            raise ValueError("expected a top-level 'flagging:' mapping")
        return flagging_from_dict(data.get("flagging"))
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise FlaggingConfigError(f"{path}: {exc}") from exc


def score_with_sources(result: dict, carriers: tuple[int, float | None], config: FlaggingConfig) -> dict:
    """The analysis record with its story's score, flag and reason (its text score kept as evidence)."""
    independent, reliability = carriers
    story: StoryScore = story_score(result["score"], result["flag_reason"], reliability=reliability,
                                    independent_sources=independent, config=config)
    return {**result, "evidence": result["score"], "evidence_reason": result["flag_reason"],
            "score": story.score, "flagged": story.flagged, "flag_reason": story.reason}


def rescore(db, article_ids: list[int] | None, config: FlaggingConfig, run_id: int | None = None) -> int:
    """Recompute stored stories' scores and flags from their evidence and sources (no analysis);
    returns how many changed."""
    evidence = evidence_of(db, article_ids)
    carriers = story_carriers(db, list(evidence))
    changed = 0
    for article_id, (score, reason) in evidence.items():
        independent, reliability = carriers[article_id]
        story = story_score(score, reason, reliability=reliability, independent_sources=independent, config=config)
        changed += set_story_score(db, article_id, story.score, story.flagged, story.reason, run_id)
    return changed
