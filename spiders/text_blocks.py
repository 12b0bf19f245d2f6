"""Reading an article container by the kinds of block that hold its text on this site.

On one site every story paragraph is the same kind of element: `<p class="para">` inside
`<div class="article-body">`, say, while captions, "read more" boxes and ad labels are other
kinds. From a page that trafilatura has read in full we learn which kinds of block carried the
text it kept (`article_blocks`); on the site's next pages the text is those blocks' text
(`blocks_text`), in document order, with no further parsing or scoring.

A block is the nearest element above a run of text that is not inline formatting, so a link or
<em> inside a paragraph belongs to the paragraph. Its kind is its tag and class and its parent's.
"""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
                    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
                    "u", "var", "wbr"})
# A kind of block is article text if this share of its characters was in the full extraction.
_KEPT_SHARE = 0.8
# Runs shorter than this ("|", "By", "and") say nothing about their block.
_MIN_RUN_CHARS = 4
_SPACES = re.compile(r"\s+")


def article_blocks(container, text: str) -> frozenset:
    """The kinds of block inside `container` whose text is in `text` (a full extraction)."""
    extracted = _SPACES.sub(" ", text)
    seen: Counter = Counter()
    kept: Counter = Counter()
    for run, block in _runs(container):
        if block is None:
            continue
        run = _SPACES.sub(" ", run).strip()
        if len(run) < _MIN_RUN_CHARS:
            continue
        kind = block_kind(block)
        seen[kind] += len(run)
        if run in extracted:
            kept[kind] += len(run)
    return frozenset(kind for kind, chars in seen.items() if kept[kind] >= _KEPT_SHARE * chars)


def blocks_text(container, kinds: frozenset) -> str:
    """The text of the blocks of these kinds, a line per block (and per <br>)."""
    lines, line, current, wanted = [], [], None, False
    for run, block in _runs(container):
        if block is None or block is not current:       # a <br>, or the next block
            if line:
                lines.append("".join(line))
            line, current = [], block
            wanted = block is not None and block_kind(block) in kinds
        if wanted:
            line.append(run)
    if line:
        lines.append("".join(line))
    return "\n".join(filter(None, (_SPACES.sub(" ", text).strip() for text in lines)))


def block_kind(block) -> tuple:
    parent = block.getparent()
    return (block.tag, block.get("class"),
            parent.tag if parent is not None else None, parent.get("class") if parent is not None else None)


def _runs(container):
    """(text, block) for each run of text in document order; (None, None) at each <br>."""
    for event, node in etree.iterwalk(container, events=("start", "end")):
        if not isinstance(node.tag, str):
            continue
        if event == "start":
            if node.tag == "br":
                yield None, None
            elif node.text:
                yield node.text, _block_of(node, container)
        elif node is not container and node.tail:
            yield node.tail, _block_of(node.getparent(), container)


def _block_of(node, container):
    while node is not container and node.tag in INLINE:
        node = node.getparent()
    return node
