"""Main text, title, date, language and authors of one article page."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import py3langid
import trafilatura
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from spiders.dates import to_utc_iso
from spiders.dedup import canonical_url, content_hash
from spiders.page_metadata import read_page_metadata


# Fewer words than this is a navigation page, an error page or a paywall stub, not a story.
MIN_WORDS = 15


class ExtractionError(ValueError):
    """The page holds no article text we can use."""


@dataclass
class ExtractedArticle:
    url: str                 # canonical URL
    title: str
    text: str
    published: str | None   # ISO 8601 UTC
    language: str
    authors: list[str] = field(default_factory=list)
    content_hash: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text the way browsers do: BOM, HTTP charset, <meta charset>, then detection."""
    _, text = html_to_unicode(content_type, body)
    return text


def extract_article(html: str | bytes, url: str = "") -> ExtractedArticle:
    """Extract one article. Structured data (JSON-LD, Open Graph) wins over heuristics for
    title, date and authors; trafilatura finds the main text."""
    if isinstance(html, bytes):
        html = decode_html(html)
    if not html.strip():
        raise ExtractionError("empty page")
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from exc
    meta = read_page_metadata(tree)
    doc = trafilatura.bare_extraction(tree, url=url or None, with_metadata=True,
                                      include_comments=False, include_tables=False)
    text = (doc.text or "").strip() if doc else ""
    if len(text.split()) < MIN_WORDS:
        raise ExtractionError(f"no main text found ({len(text.split())} words)")
    title = meta.title or (doc.title or "").strip()
    text = _drop_leading_title(text, title)
    authors = meta.authors or _split_authors(doc.author)
    published = to_utc_iso(meta.published) or to_utc_iso(doc.date)
    language = meta.language or _detect_language(text)
    return ExtractedArticle(
        url=canonical_url(url, meta.canonical_url) if url else meta.canonical_url,
        title=title, text=text, published=published, language=language,
        authors=authors, content_hash=content_hash(text),
    )


def _drop_leading_title(text: str, title: str) -> str:
    # trafilatura sometimes keeps the <h1> as the first line; the title has its own field.
    first, _, rest = text.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        return rest.strip()
    return text


def _split_authors(author: str | None) -> list[str]:
    if not author:
        return []
    return [name.strip() for name in author.replace(" and ", ";").split(";") if name.strip()]


def _detect_language(text: str) -> str:
    language, _ = py3langid.classify(text[:2000])
    return language
