"""Main text, title, date, language and authors of one article page.

One lxml parse per page. Title, date and authors come from the page's structured data
(Open Graph, JSON-LD, <meta>) when it has them, so trafilatura runs in its fast mode and
without its own (slow) metadata pass; a per-source override from sources.yaml comes first
of all. In a crawl, the site's learned template (site_templates.py) narrows the main text to
the article container, or reads it by its block kinds, after the first page of each site.
`.venv/bin/python bench/extraction_quality.py` measures quality and speed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import py3langid
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from spiders.dates import to_utc_iso
from spiders.dedup import canonical_url, content_hash
from spiders.overrides import apply_override
from spiders.page_metadata import clean_authors, clean_text, read_page_metadata, strip_site_suffix
from spiders.site_templates import BLOCKS_AGREEMENT, SiteTemplates, Template, narrowed_document, shingle_f1
from spiders.text_blocks import blocks_text

# Fewer words than this is a navigation page, an error page or a paywall stub, not a story.
MIN_WORDS = 15
# trafilatura's fast mode skips its second opinion (readability, jusText). When its text is
# shorter than this, or much shorter or longer than the page's own JSON-LD articleBody, ask again slowly.
# Measured on the fundus pages: fast mode loses whole stories on a few short pages (bench/).
FAST_MODE_MIN_WORDS = 400
# How often a site's learned block kinds are checked against trafilatura (site_templates.py).
BLOCKS_CHECK_EVERY = 20
# Elements that never hold article text: removed once, before trafilatura copies the tree.
NEVER_TEXT = ("script", "style", "noscript", "svg", "template", "iframe", "object", "embed", "canvas")
_PARSER = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True)
_BYLINE_XPATH = etree.XPath(
    "//*[@rel='author' or @itemprop='author' or contains(@class, 'byline') or contains(@class, 'author-name')]")


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
    # Where title, date, authors and text came from ("override", "json-ld", "meta:og:title", ...).
    # Diagnostics for the benchmark: not part of as_dict(), so items and the CLI are unchanged.
    sources: dict = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict:
        record = asdict(self)
        del record["sources"]
        return record


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text the way browsers do: BOM, HTTP charset, <meta charset>, then detection."""
    return decode_html_checked(body, content_type)[0]


def decode_html_checked(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Like decode_html, and a warning when the HTTP header declared a charset the bytes are not in
    (a latin-1 page served as UTF-8 would otherwise be stored full of replacement characters)."""
    encoding, text = html_to_unicode(content_type, body)
    if "\ufffd" not in text or not content_type or "charset" not in content_type.lower():
        return text, ""
    fallback_encoding, fallback = html_to_unicode(None, body)   # <meta charset>, BOM, then detection
    if fallback.count("\ufffd") < text.count("\ufffd"):
        return fallback, f"declared charset {encoding} is wrong; decoded as {fallback_encoding}"
    return text, ""


def parse_html(html: str):
    """The page as an lxml.html tree, parsed the way trafilatura parses (it reuses our tree as is)."""
    try:
        tree = lxml_html.fromstring(html, parser=_PARSER)
    except (ValueError, etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from exc
    if tree is None:
        raise ExtractionError("empty page")
    return tree


def extract_article(html: str | bytes, url: str = "", override: dict | None = None,
                    templates: SiteTemplates | None = None) -> ExtractedArticle:
    """Extract one article.

    `override` is a source's `extraction:` mapping from sources.yaml (title_xpath, body_xpath,
    date_xpath, author_xpath, drop_xpaths): used first, each field falling back to the generic
    path when its XPath finds nothing. Then structured data (Open Graph, JSON-LD, <meta>) for
    title, date and authors, and trafilatura for the main text; heuristics only for what is missing.
    `templates`, kept across the pages of a crawl, narrows trafilatura to the site's article
    container once one page of the site has taught it (spiders/site_templates.py).
    """
    if isinstance(html, bytes):
        html = decode_html(html)
    if not html.strip():
        raise ExtractionError("empty page")
    tree = parse_html(html)
    meta = read_page_metadata(tree)
    sources = dict(meta.sources)
    forced = apply_override(tree, override) if override else None
    etree.strip_elements(tree, *NEVER_TEXT, with_tail=False)

    text = forced.body if forced and forced.body else ""
    if text:
        sources["text"] = "override"
    else:
        site = urlsplit(meta.canonical_url or url).hostname or ""
        text, sources["text"] = _main_text(html, tree, url, meta.body, templates, site)
    if len(text.split()) < MIN_WORDS:
        raise ExtractionError(f"no main text found ({len(text.split())} words)")

    title = meta.title
    if forced and forced.title:
        title, sources["title"] = forced.title, "override"
    elif not title:
        title, sources["title"] = _heuristic_title(tree, meta.site_names), "heuristic"
    text = _drop_leading_title(text, title)

    published = to_utc_iso(forced.published) if forced and forced.published else None
    if published:
        sources["date"] = "override"
    else:
        published = to_utc_iso(meta.published)
        if not published:
            published, sources["date"] = _heuristic_date(tree, url), "heuristic"

    authors = clean_authors(forced.authors, meta.site_names) if forced and forced.authors else []
    if authors:
        sources["authors"] = "override"
    else:
        authors = clean_authors(meta.authors, meta.site_names)
        if not authors:
            authors = clean_authors(_byline_candidates(tree), meta.site_names)
            sources["authors"] = "heuristic" if authors else "none"

    language = meta.language or _detect_language(text)
    return ExtractedArticle(
        url=canonical_url(url, meta.canonical_url) if url else meta.canonical_url,
        title=title, text=text, published=published, language=language,
        authors=authors, content_hash=content_hash(text), sources=sources,
    )


def _main_text(html: str, tree, url: str, declared_body: str,
               templates: SiteTemplates | None, site: str) -> tuple[str, str]:
    if templates is not None and site:
        found = templates.container(site, tree)
        if found:
            text, how = _template_text(*found, url)
            if len(text.split()) >= MIN_WORDS:
                return text, how
            templates.drop(site, found[0])
    text, how = _best_text(tree, url, declared_body)
    if templates is not None and site and len(text.split()) >= MIN_WORDS and templates.worth_learning(site):
        # trafilatura pruned `tree` in place: learn on a fresh parse, as later pages will arrive.
        fresh = parse_html(html)
        etree.strip_elements(fresh, *NEVER_TEXT, with_tail=False)
        templates.learn(site, fresh, text, lambda element: _container_text(element, url))
    return text, how


def _template_text(template: Template, container, url: str) -> tuple[str, str]:
    """The site's learned block kinds when they apply, else trafilatura on the container alone.

    The first page a template meets after the one it was learned on, and every
    BLOCKS_CHECK_EVERY-th after that, is also read by trafilatura: block kinds that do not agree
    with it (another layout, a redesign) are forgotten, and the site falls back to trafilatura.
    """
    if template.blocks:
        text = blocks_text(container, template.blocks)
        if template.plausible(text, container) and template.uses % BLOCKS_CHECK_EVERY != 1:
            return text, "template blocks"
        checked = _container_text(container, url)
        if shingle_f1(text, checked) >= BLOCKS_AGREEMENT:
            return text, "template blocks"
        template.blocks = None
        return checked, "template"
    return _container_text(container, url), "template"


def _container_text(container, url: str) -> str:
    """trafilatura (fast mode) on the article container alone."""
    return _trafilatura_text(narrowed_document(container), url, fast=True)


def _best_text(tree, url: str, declared_body: str) -> tuple[str, str]:
    """trafilatura's fast mode, and its full mode when the fast text looks short or off."""
    text = _trafilatura_text(tree, url, fast=True)
    words = len(text.split())
    declared = len(declared_body.split())
    if words >= FAST_MODE_MIN_WORDS and (not declared or 0.6 * declared <= words <= 1.5 * declared):
        return text, "trafilatura-fast"
    slow = _trafilatura_text(tree, url, fast=False)
    return (slow, "trafilatura") if slow else (text, "trafilatura-fast")


def _trafilatura_text(tree, url: str, fast: bool) -> str:
    doc = trafilatura.bare_extraction(tree, url=url or None, fast=fast, with_metadata=False,
                                      include_comments=False, include_tables=False)
    return (doc.text or "").strip() if doc else ""


def _heuristic_title(tree, site_names: list[str]) -> str:
    for h1 in tree.iter("h1"):
        title = clean_text("".join(h1.itertext()))
        if title:
            return title
    title = clean_text("".join(tree.findtext(".//title") or ""))
    return strip_site_suffix(title, site_names)


def _heuristic_date(tree, url: str) -> str | None:
    """<time datetime> inside the article, else htmldate (fast mode: markup and URL only)."""
    for value in tree.xpath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime"
                            " | //time[@pubdate]/@datetime"):
        published = to_utc_iso(value)
        if published:
            return published
    from htmldate import find_date  # imported lazily: most pages never need it

    found = find_date(tree, url=url or None, extensive_search=False, original_date=True,
                      outputformat="%Y-%m-%dT%H:%M:%S%z")
    return to_utc_iso(found) if found else None


def _byline_candidates(tree) -> list[str]:
    names = []
    for element in _BYLINE_XPATH(tree)[:6]:
        value = clean_text("".join(element.itertext()))
        if value and len(value) < 120:
            names.append(value)
    return names


def _drop_leading_title(text: str, title: str) -> str:
    # trafilatura sometimes keeps the <h1> as the first line; the title has its own field.
    first, _, rest = text.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        return rest.strip()
    return text


def _detect_language(text: str) -> str:
    language, _ = py3langid.classify(text[:2000])
    return language
