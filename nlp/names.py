"""Company-name normalisation used by the gazetteer and the linker.

Uses ``catalog.names`` (the project's full legal-form list) when it is importable; otherwise a small
built-in list of the commonest legal forms, so nlp/ keeps working on its own.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:  # the catalogue helper owns the full legal-form list
    from catalog.names import normalise as _catalog_normalise, short_name as _catalog_short_name
except Exception:  # pragma: no cover - depends on the other package being present
    _catalog_normalise = _catalog_short_name = None

_LEGAL_FORMS = {
    ("inc",), ("incorporated",), ("corp",), ("corporation",), ("co",), ("company",), ("ltd",), ("limited",),
    ("plc",), ("llc",), ("lp",), ("ag",), ("sa",), ("nv",), ("bv",), ("gmbh",), ("spa",), ("ab",), ("asa",),
    ("as",), ("oyj",), ("se",), ("kk",), ("pty",), ("pty", "ltd"), ("co", "ltd"), ("tbk",), ("bhd",),
    ("berhad",), ("pjsc",), ("jsc",), ("sarl",), ("sas",), ("ltda",), ("srl",), ("publ",),
    ("public", "company", "limited"), ("public", "co", "ltd"), ("sab", "de", "cv"), ("sa", "de", "cv"),
}
_LEADING = {"the", "pt", "pjsc", "jsc", "oao", "pao"}
_MAX_FORM = max(len(f) for f in _LEGAL_FORMS)


def fold(text: str) -> str:
    """Casefold, strip accents, '&' -> 'and', punctuation -> space, collapse spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[’'`´]", "", text)
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)  # S.A. -> SA
    text = re.sub(r"[^\w]+|_", " ", text)
    return " ".join(text.split())


def _strip_forms(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for n in range(min(_MAX_FORM, len(tokens) - 1), 0, -1):
            if tuple(tokens[-n:]) in _LEGAL_FORMS:
                tokens = tokens[:-n]
                changed = True
                break
        if len(tokens) > 1 and tokens[0] in _LEADING:
            tokens = tokens[1:]
            changed = True
    return tokens


@lru_cache(maxsize=131072)
def normalise(name: str) -> str:
    """Comparison key: "Samsung Electronics Co., Ltd." -> "samsung electronics"."""
    if _catalog_normalise is not None:
        key = _catalog_normalise(name)
        if key:
            return key
    return " ".join(_strip_forms(fold(name).split()))


@lru_cache(maxsize=65536)
def short_name(name: str) -> str:
    """Display name without the legal form, case kept: "Samsung Electronics Co., Ltd." -> "Samsung Electronics"."""
    if _catalog_short_name is not None:
        short = _catalog_short_name(name)
        if short:
            return short
    words = name.replace(",", " ").split()
    while len(words) > 1 and tuple(fold(w) for w in words[-1:]) in _LEGAL_FORMS | {("co", "ltd")}:
        words = words[:-1]
        if len(words) > 1 and tuple(fold(" ".join(words[-2:])).split()) in _LEGAL_FORMS:
            words = words[:-2]
    return " ".join(words).strip(" ,.") or name
