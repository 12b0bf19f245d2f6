"""Mark the firm names and issue words in an evidence sentence, for display.

The result is a list of (text, kind) pieces; the template escapes every piece, so no text from
the web is ever trusted as markup. Issue words are found with the taxonomy's own phrases and
lemmas (a lemma matches any word starting with it: "kill" marks "killed"), which is close to
what the tagger matched without running spaCy per page view.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from nlp.taxonomy import load_taxonomy


@functools.cache
def issue_patterns(taxonomy_path: Path | None = None) -> dict[str, re.Pattern]:
    """Tag id -> one case-insensitive regex over its phrases and lemma patterns."""
    patterns = {}
    for tag in load_taxonomy(taxonomy_path).tags:
        alternatives = [r"\s+".join(re.escape(word) for word in phrase.split()) + r"\b" for phrase in tag.phrases]
        for lemma in tag.lemmas:
            words = [f"(?:{'|'.join(re.escape(w) for w in word.split('|'))})[\\w'-]*" for word in lemma.split()]
            alternatives.append(r"\W+".join(words))
        if alternatives:
            patterns[tag.id] = re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
    return patterns


def highlight(sentence: str, firm_names: list[str], tag_ids: list[str]) -> list[tuple[str, str]]:
    """Split `sentence` into pieces of kind "" (plain), "firm" or "issue"; firms win an overlap."""
    spans: list[tuple[int, int, str]] = []
    for name in sorted(set(firm_names), key=len, reverse=True):
        if name:
            for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", sentence):
                spans.append((match.start(), match.end(), "firm"))
    patterns = issue_patterns()
    for tag_id in tag_ids:
        if tag_id in patterns:
            spans.extend((m.start(), m.end(), "issue") for m in patterns[tag_id].finditer(sentence) if m.group())
    pieces, position = [], 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], s[2] != "firm", -s[1])):
        if start < position:
            continue   # overlaps a piece already marked
        if start > position:
            pieces.append((sentence[position:start], ""))
        pieces.append((sentence[start:end], kind))
        position = end
    if position < len(sentence):
        pieces.append((sentence[position:], ""))
    return pieces
