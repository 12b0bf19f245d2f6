"""A source's `extraction:` override from sources.yaml, applied to a parsed page.

Keys: title_xpath, body_xpath, date_xpath, author_xpath (XPath 1.0; an expression may select
elements, attributes or text) and drop_xpaths (elements removed before anything is read).
Each field is empty when its XPath finds nothing, and the generic extractor fills it instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

OVERRIDE_KEYS = {"title_xpath", "body_xpath", "date_xpath", "author_xpath", "drop_xpaths"}
# Blocks whose text becomes one paragraph of the body.
BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "figcaption"}
_SPACES = re.compile(r"\s+")


class OverrideError(ValueError):
    """The override in the registry is unusable (unknown key or invalid XPath)."""


@dataclass
class Forced:
    title: str = ""
    body: str = ""
    published: str = ""
    authors: list[str] = field(default_factory=list)


@lru_cache(maxsize=512)
def compiled(expression: str) -> etree.XPath:
    try:
        return etree.XPath(expression)
    except etree.XPathSyntaxError as exc:
        raise OverrideError(f"invalid XPath {expression!r}: {exc}") from exc


def apply_override(tree, override: dict) -> Forced:
    """Remove `drop_xpaths` from `tree` (in place), then read the fields the override names."""
    unknown = set(override) - OVERRIDE_KEYS
    if unknown:
        raise OverrideError(f"unknown extraction keys: {', '.join(sorted(unknown))}")
    drops = override.get("drop_xpaths") or []
    for expression in [drops] if isinstance(drops, str) else drops:
        for element in compiled(expression)(tree):
            if isinstance(element, etree._Element) and element.getparent() is not None:
                _remove_keeping_tail(element)
    forced = Forced()
    if override.get("title_xpath"):
        forced.title = next(iter(_texts(tree, override["title_xpath"])), "")
    if override.get("date_xpath"):
        forced.published = next(iter(_texts(tree, override["date_xpath"])), "")
    if override.get("author_xpath"):
        forced.authors = _texts(tree, override["author_xpath"])
    if override.get("body_xpath"):
        forced.body = "\n".join(_body_text(node) for node in compiled(override["body_xpath"])(tree)
                                if isinstance(node, etree._Element)).strip()
    return forced


def _texts(tree, expression: str) -> list[str]:
    result = compiled(expression)(tree)
    values = []
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, etree._Element):
            item = "".join(item.itertext())
        text = _SPACES.sub(" ", str(item)).strip()
        if text:
            values.append(text)
    return values


def _body_text(node) -> str:
    """One line per block element (p, h2-h6, li, blockquote...), or the whole text when there are none."""
    lines = []
    for element in node.iter(*BLOCKS):
        if any(ancestor.tag in BLOCKS for ancestor in element.iterancestors() if ancestor is not node):
            continue  # a <p> inside an <li> or <blockquote> is read with its block
        line = _SPACES.sub(" ", "".join(element.itertext())).strip()
        if line:
            lines.append(line)
    if not lines:
        lines = [_SPACES.sub(" ", "".join(node.itertext())).strip()]
    return "\n".join(line for line in lines if line)


def _remove_keeping_tail(element) -> None:
    parent, tail = element.getparent(), element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
