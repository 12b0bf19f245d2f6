"""Company-name normalisation helpers.

Stable public API (used by the linker):
    short_name(name) -> str   the display name without its legal form ("adidas AG" -> "adidas")
    normalise(name)  -> str   a folded comparison key ("Crédit Agricole S.A." -> "credit agricole")

Legal forms are read from ``catalog/legal_forms.txt``, which ``catalog.build`` generates from
OpenSanctions' org_types.yml (MIT), so nothing outside the package is needed at run time.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

LEGAL_FORMS_PATH = Path(__file__).with_name("legal_forms.txt")

# Spellings in org_types.yml that are ordinary words carrying identity, or too ambiguous to strip.
EXCLUDED_FORMS = {
    "in", "charity", "cooperation", "cooperative", "co-op", "non-profit", "nonprofit", "ngo", "npo",
    "ll", "lt", "lc", "verein", "stiftung", "unlimited", "bank", "trust", "fund", "foundation",
    "association", "society", "union", "group", "holding", "holdings", "partners", "partnership",
    "company of", "the",
}
# Common English-language forms missing (without dots) from org_types.yml.
EXTRA_FORMS = [
    "Co", "Co.", "Corp", "Corp.", "Corporation", "Company", "Inc", "Inc.", "Incorporated", "Ltd", "Ltd.",
    "Limited", "PLC", "P.L.C.", "LLC", "L.L.C.", "LP", "L.P.", "SA", "S.A.", "NV", "N.V.", "AG", "SE", "AB",
    "ASA", "AS", "A/S", "Oyj", "Oy", "SpA", "S.p.A.", "Tbk", "PT", "Bhd", "Berhad", "PJSC", "OJSC", "JSC",
    "PCL", "SAB de CV", "S.A.B. de C.V.", "S.A. de C.V.", "SAA", "S.A.A.", "KGaA", "SCA", "S.C.A.",
    "publ", "(publ)", "Co., Ltd.", "Co Ltd", "Pty Ltd", "Pty", "GmbH", "BV", "B.V.", "SARL", "SAS",
    "S.A.S.", "Sarl", "Ltda", "Ltda.", "SRL", "S.R.L.", "NL", "AD", "ASA", "SAOG", "QSC", "QPSC", "PSC",
    "KSC", "K.S.C.", "BSC", "B.S.C.", "SAE", "S.A.E.", "SAOC", "SCS", "Public Company Limited",
    "Public Co Ltd", "Public Co., Ltd.", "Inc./The", "/The",
]
# Leading forms ("PT Astra International", "PJSC Gazprom").
LEADING_FORMS = {("pt",), ("pjsc",), ("ojsc",), ("jsc",), ("oao",), ("zao",), ("pao",), ("ao",), ("cjsc",),
                 ("ooo",), ("the",), ("ооо",), ("оао",), ("зао",), ("пао",), ("ао",)}
# Scripts written without spaces (CJK, kana, hangul): a legal form there is glued to the name
# ("腾讯控股有限公司", "株式会社日立製作所"), so it is stripped as a prefix or suffix of the word.
_UNSPACED_SCRIPT = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")   # fold() turns hangul into jamo
# A possessive at the end of a mention ("Samsung's", "Alibaba’s") and a note in brackets after a name
# ("Mittal Steel (part of ArcelorMittal)"): neither is part of the name.
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")
# Only relation notes: "(Brazil)" in "Banco Santander SA (Brazil)" names another firm and stays.
_TRAILING_NOTE = re.compile(r"^(?P<name>.*\S)\s*\((?:part of|now|formerly|previously|see|joint venture|jv|"
                            r"subsidiary of|owned by|also known as|aka|a\.k\.a\.)\b[^()]*\)$", re.I)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_MAX_FORM_LEN = 8


def fold(text: str) -> str:
    """Casefold, strip diacritics, '&' -> 'and', punctuation -> space, collapse spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ").replace("+", " and ")
    text = re.sub(r"[’'`´]", "", text)
    text = re.sub(r"[^\w]+|_", " ", text)
    return " ".join(text.split())


def _form_key(spelling: str) -> tuple[str, ...]:
    # "S.A." -> ("sa",), "Co., Ltd." -> ("co", "ltd"), "A/S" -> ("as",)
    s = fold(re.sub(r"(?<=\w)[./](?=\w)", "", spelling.replace("./", ".")))
    return tuple(s.split())


_FORMS: frozenset[tuple[str, ...]] | None = None


def load_legal_forms(path: Path = LEGAL_FORMS_PATH) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def usable_form(spelling: str) -> bool:
    key = _form_key(spelling)
    if not key or len(key) > _MAX_FORM_LEN:
        return False
    if " ".join(key) in EXCLUDED_FORMS or spelling.casefold() in EXCLUDED_FORMS:
        return False
    if len(key) == 1 and key[0] in EXCLUDED_FORMS:
        return False
    return True


def _forms() -> frozenset[tuple[str, ...]]:
    global _FORMS
    if _FORMS is None:
        spellings = load_legal_forms() + EXTRA_FORMS
        _FORMS = frozenset(_form_key(s) for s in spellings if usable_form(s))
    return _FORMS


def reload_legal_forms() -> None:
    """Re-read legal_forms.txt (the build calls this after regenerating it)."""
    global _FORMS
    _FORMS = None
    short_name.cache_clear()
    normalise.cache_clear()
    _unspaced_forms.cache_clear()


def _tokens(name: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) for each word of the name; dotted abbreviations kept whole."""
    out = []
    for m in re.finditer(r"[^\W_]+(?:[./'’][^\W_]+)*\.?", name):
        raw = m.group(0)
        key = fold(re.sub(r"[./'’]", "", raw))
        if key:
            out.append((key, m.start(), m.end()))
    return out


@lru_cache(maxsize=200_000)
def short_name(name: str) -> str:
    """The name without leading/trailing legal forms: "Samsung Electronics Co., Ltd." -> "Samsung Electronics"."""
    name = " ".join(name.split())
    toks = _tokens(name)
    if not toks:
        return name.strip()
    forms = _forms()
    lo, hi = 0, len(toks)
    changed = True
    while changed and hi - lo > 1:
        changed = False
        for n in range(min(_MAX_FORM_LEN, hi - lo - 1), 0, -1):
            key = tuple(t[0] for t in toks[hi - n:hi])
            joined = ("".join(key),)
            if key in forms or joined in forms:
                hi -= n
                changed = True
                break
        if not changed and hi - lo > 1:
            if (toks[lo][0],) in LEADING_FORMS:
                lo += 1
                changed = True
            else:
                for n in range(min(_MAX_FORM_LEN, hi - lo - 1), 1, -1):
                    if tuple(t[0] for t in toks[lo:lo + n]) in forms:
                        lo += n
                        changed = True
                        break
    if lo == 0 and hi == len(toks):
        return name.strip()
    start = toks[lo][1]
    end = toks[hi - 1][2]
    out = name[start:end]
    # keep a closing parenthesis/bracket balanced; drop trailing separators
    if out.count("(") > out.count(")"):
        out = out[: out.rfind("(")]
    out = re.sub(r"[\s,;:\-–&/]+$", "", out).strip()
    if out.endswith(".") and not re.search(r"\b\w\.\w\.$", out):
        # "Foo Co." was stripped to "Foo" already; a lone trailing dot is punctuation
        out = out[:-1].rstrip()
    return out or name.strip()


@lru_cache(maxsize=200_000)
def normalise(name: str) -> str:
    """Comparison key: folded short name ("The Coca-Cola Company" -> "coca cola", "Samsung's" -> "samsung",
    "华为技术有限公司" -> "华为技术", "Mittal Steel (part of ArcelorMittal)" -> "mittal steel")."""
    name = name.strip()
    note = _TRAILING_NOTE.match(name)
    if note:
        name = note["name"]
    name = _POSSESSIVE.sub("", name)
    key = fold(short_name(name))
    if key.startswith("the ") and len(key) > 4:
        key = key[4:]
    if _UNSPACED_SCRIPT.search(key):
        key = " ".join(_strip_unspaced_forms(word) for word in key.split())
    return key


@lru_cache(maxsize=1)
def _unspaced_forms() -> tuple[str, ...]:
    """Legal forms in scripts without spaces, longest first (股份有限公司 before 有限公司)."""
    forms = {fold(s) for s in load_legal_forms() if _UNSPACED_SCRIPT.search(s) and " " not in s.strip()}
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_unspaced_forms(word: str) -> str:
    changed = True
    while changed:
        changed = False
        for form in _unspaced_forms():
            if word.endswith(form) and len(word) > len(form):
                word, changed = word[: -len(form)], True
            elif word.startswith(form) and len(word) > len(form):
                word, changed = word[len(form):], True
    return word


# A small list of everyday English words that must not become aliases on their own
# (unless the word IS the firm's short name, e.g. "Apple").
COMMON_WORDS = frozenset("""
a about all also american and any area art asia best big blue bright capital care central city clean
clear common community core digital direct east energy first focus food for free fresh future general
global gold golden good great green group health home hope house international just life light line link
live local man media metro modern national natural net network new news next north now one open orange
pacific people plus power premier prime pro public pure quality real red royal safe scale service
shell silver smart social solar solutions south spark sports standard star state sterling strong sun
superior systems target team tech the time total trade trust union united unity universal us value
vision west wind world young zero china india japan europe africa america new york delta alpha beta
omega apex summit pioneer atlas eagle phoenix fortune harmony liberty victory legacy elite express
""".split())


def is_safe_alias(alias: str, own_short: str = "") -> bool:
    """True when an alias is specific enough to link on: >=3 letters, not a bare common word."""
    key = normalise(alias)
    if len(key.replace(" ", "")) < 3:
        return False
    if key.isdigit():
        return False
    if own_short and key == normalise(own_short):
        return True
    if key in COMMON_WORDS:
        return False
    return True


# Words after which a listed name goes on naming the holding, not the business the news names: "MTN Group
# Limited" is "MTN", "NSO Group Technologies Ltd." is "NSO", "BHP Group" is "BHP".
_GROUP_TAIL = re.compile(r"^(?P<head>.*?[^\W_].*?)[\s,]+\(?(?:group|holdings?)\)?(?:\s+(?:holdings?|technologies))?$",
                         re.I)


@lru_cache(maxsize=200_000)
def group_head(name: str) -> str:
    """The name in front of a closing "Group" / "Holdings" ("MTN Group Limited" -> "MTN", "Mercedes-Benz
    Group AG" -> "Mercedes-Benz"), or "" when there is none or it is no name on its own ("Alpha Services and
    Holdings", "Grupo X, S.A. and Y Group")."""
    match = _GROUP_TAIL.match(short_name(name))
    if match is None:
        return ""
    head = match["head"].strip(" ,")
    words = head.split()
    if (len(head) < 2 or "," in head or words[-1].lower() in ("and", "&", "of", "the", "for")
            or head.count("(") != head.count(")")):
        return ""
    return head
