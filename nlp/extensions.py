"""Custom attributes the RightsRadar components write (all prefixed ``rr_``)."""
from __future__ import annotations

from spacy.tokens import Doc, Span


def link_key(start: int, end: int, kb_id: str) -> str:
    """Key of ``doc._.rr_links`` (a string, so docs serialise with ``Doc.to_bytes`` / ``DocBin``)."""
    return f"{start}:{end}:{kb_id}"


def _span_link(span: Span) -> dict | None:
    links = span.doc._.rr_links or {}
    return links.get(link_key(span.start, span.end, span.kb_id_))


def ensure_extensions() -> None:
    """Register the extensions once (idempotent)."""
    for name in ("rr_links", "rr_issues", "rr_places", "rr_story"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("rr_link"):
        Span.set_extension("rr_link", getter=_span_link)
