"""Text in, annotations out: companies, issues, places, story type and a flag for each news record.

Importing the package registers the spaCy factories ``rightsradar_company_gazetteer_v1``,
``rightsradar_issue_tagger_v1``, ``rightsradar_places_v1`` and ``rightsradar_story_v1``.
"""
from .analyze import analyze_records, annotate
from .linking import FirmLinker, Link
from .pipeline import build_pipeline, resolve_model_name
from .scoring import DEFAULT_THRESHOLD, score_story
from .taxonomy import load_taxonomy

__all__ = ["analyze_records", "annotate", "build_pipeline", "resolve_model_name", "FirmLinker", "Link",
           "score_story", "DEFAULT_THRESHOLD", "load_taxonomy"]
