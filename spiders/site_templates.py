"""Per-site article containers, learned from full extractions, so later pages of the site parse fast.

A news site lays out every story in the same template. Once trafilatura has read one page of a
site in full, we find the element that holds its text (`<div itemprop="articleBody">`, `<div
class="article-body">`, ...) and keep a selector for it. The next page of the site hands trafilatura
only that element: a tree a tenth of the size, so about five times less work (bench/), with
trafilatura's own cleaning still applied inside it.

A selector is kept only if, on the page it was learned from, the narrowed extraction gives the
same text as the full one; a selector that stops matching (one element, enough words) is
dropped, and the page goes through the full extraction, which may teach a new one. A site keeps
a few selectors (stories, live blogs, galleries) and the store is bounded, so memory stays flat.
"""
from __future__ import annotations

import re
from collections import Counter, OrderedDict
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from spiders.text_blocks import article_blocks, blocks_text

# Runs of text that locate the container; shorter ones (captions, bylines, links) are too ambiguous.
_MIN_BLOCK_CHARS = 25
# The container must hold this share of the extracted text found in blocks: a lead paragraph
# outside it would be lost on every later page of the site.
_MIN_COVERAGE = 0.97
# The narrowed extraction of the learning page must match the full one this well (4-gram F1).
MIN_AGREEMENT = 0.93
# The learned block kinds replace trafilatura altogether, so they must match it more closely.
BLOCKS_AGREEMENT = 0.97
_SELECTORS_PER_SITE = 4
# Containers tried per learning page, from the deepest up.
_CANDIDATES = 3
# After this many rejected attempts a site is read in full without trying again (learning costs a
# second parse and extraction): its layout has no single container our checks accept.
_MAX_REJECTIONS = 3
_MAX_SITES = 5000
# Attribute values with long digit runs are per-page ids ("post-48213"), not template names.
_PER_PAGE_VALUE = re.compile(r"\d{3,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass
class Template:
    selector: str                   # XPath of the article container
    blocks: frozenset | None        # kinds of block holding the text (text_blocks.py), if they suffice
    share: float = 0.0              # their share of the container's text on the learning page
    uses: int = 0

    def plausible(self, text: str, container) -> bool:
        """Block text is suspect when it is a much smaller share of the container than it was."""
        whole = len(container.text_content())
        return bool(whole) and len(text) >= 0.5 * self.share * whole


class SiteTemplates:
    """Article-container templates per site (a host name), most recently useful first."""

    def __init__(self, max_sites: int = _MAX_SITES):
        self._sites: OrderedDict[str, list[Template]] = OrderedDict()
        self._rejections: Counter = Counter()
        self.max_sites = max_sites
        self.stats: Counter = Counter()   # hits, misses, learned, rejected, dropped: for bench/
        self._newly_learned: list[tuple[str, Template]] = []

    def container(self, site: str, tree):
        """(template, element) for the article container of this page of `site`, or None."""
        for template in self._sites.get(site, ()):
            found = tree.xpath(template.selector)
            if len(found) == 1:
                self._sites.move_to_end(site)
                template.uses += 1
                self.stats["hits"] += 1
                return template, found[0]
        self.stats["misses"] += 1
        return None

    def drop(self, site: str, template: Template) -> None:
        """The container matched but its text was unusable: the site's layout has changed."""
        templates = self._sites.get(site, [])
        if template in templates:
            templates.remove(template)
            self.stats["dropped"] += 1

    def adopt(self, site: str, template: Template) -> None:
        """Take a template another process learned (unless this site already has its selector)."""
        templates = self._sites.setdefault(site, [])
        if all(known.selector != template.selector for known in templates):
            templates.append(Template(template.selector, template.blocks, template.share))
            del templates[_SELECTORS_PER_SITE:]
            self._trim()

    def take_learned(self) -> list[tuple[str, Template]]:
        """(site, template) learned here since the last call, to share with other processes."""
        learned, self._newly_learned = self._newly_learned, []
        return learned

    def all_templates(self):
        return [template for templates in self._sites.values() for template in templates]

    def worth_learning(self, site: str) -> bool:
        return self._rejections[site] < _MAX_REJECTIONS

    def learn(self, site: str, tree, text: str, narrowed_text) -> Template | None:
        """Find the container of `text` (the full extraction) in `tree` (a fresh parse of the page).

        `narrowed_text(element)` extracts from one element as later pages will; the template is
        kept only if that agrees with `text`, and its block kinds only if their text agrees too.
        """
        element = _container_of(tree, text)
        candidates = _named_ancestors(tree, element) if element is not None else []
        # The deepest container is the cheapest to read, but trafilatura sometimes reads only
        # part of it (it looks for an "article body" inside); a wider one may read right.
        selector, container = next(((selector, container) for selector, container in candidates[:_CANDIDATES]
                                    if shingle_f1(narrowed_text(container), text) >= MIN_AGREEMENT),
                                   (None, None))
        if container is None:
            self._rejections[site] += 1
            self.stats["rejected"] += 1
            return None
        blocks = article_blocks(container, text)
        block_text = blocks_text(container, blocks)
        if shingle_f1(block_text, text) < BLOCKS_AGREEMENT:
            blocks = None
        template = Template(selector, blocks, len(block_text) / max(1, len(container.text_content())))
        templates = [t for t in self._sites.get(site, []) if t.selector != selector]
        self._sites[site] = [template, *templates][:_SELECTORS_PER_SITE]
        self._sites.move_to_end(site)
        self.stats["learned"] += 1
        self._newly_learned.append((site, template))
        self._trim()
        return template

    def _trim(self) -> None:
        while len(self._sites) > self.max_sites:
            self._sites.popitem(last=False)
        if len(self._rejections) > self.max_sites:
            self._rejections.clear()


def narrowed_document(element):
    """A page holding only `element` (a copy: the caller's tree is still read for metadata)."""
    page = lxml_html.document_fromstring("<html><body></body></html>")
    page.find("body").append(deepcopy(element))
    return page


def shingle_f1(a: str, b: str, size: int = 4) -> float:
    """Agreement of two texts: F1 of their word 4-grams (a text shorter than that is one shingle).
    bench/extraction_quality.py scores extraction with it too."""
    def grams(text):
        words = _WORD.findall((text or "").lower())
        return {tuple(words[i:i + size]) for i in range(max(1, len(words) - size + 1))} if words else set()
    got, want = grams(a), grams(b)
    overlap = len(got & want)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(want)
    return 2 * precision * recall / (precision + recall)


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _container_of(tree, text: str):
    """The deepest element that holds nearly all of the extracted text.

    Text nodes, not paragraphs, are matched: some sites separate paragraphs with <br> only.
    """
    extracted = _normal(text)
    weight: Counter = Counter()
    depth: dict = {}
    total = 0
    for element in tree.iter(etree.Element):
        for piece, owner in ((element.text, element), (element.tail, element.getparent())):
            if not piece or owner is None or len(piece) < _MIN_BLOCK_CHARS:
                continue
            piece = _normal(piece)
            if len(piece) < _MIN_BLOCK_CHARS or piece not in extracted:
                continue
            total += len(piece)
            chain = [owner, *owner.iterancestors()]
            for level, holder in enumerate(reversed(chain)):
                weight[holder] += len(piece)
                depth[holder] = level
    if not total:
        return None
    holding = [element for element, chars in weight.items() if chars >= _MIN_COVERAGE * total]
    return max(holding, key=depth.get) if holding else None


def _named_ancestors(tree, element) -> list[tuple[str, object]]:
    """(XPath, element) for `element` and its ancestors that a template attribute names uniquely."""
    named = []
    while element is not None and element.tag not in ("body", "html"):
        for attribute in ("itemprop", "id", "class"):
            value = element.get(attribute)
            if not value or '"' in value or len(value) > 160 or _PER_PAGE_VALUE.search(value):
                continue
            selector = f'//{element.tag}[@{attribute}="{value}"]'
            if len(tree.xpath(selector)) == 1:
                named.append((selector, element))
                break
        element = element.getparent()
    return named
