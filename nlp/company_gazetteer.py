"""spaCy component ``rightsradar_company_gazetteer_v1``: tracked firms and other organisations.

* A ``PhraseMatcher`` (attr ``LOWER``) over every tracked firm's name, short name and aliases.
* Case rules: a name made of ordinary English words ("Apple", "Shell", "Next", "General Motors") or an
  acronym ("BP") only matches with its own capitalisation; a one-word ordinary name ("Apple", "Gap",
  "Amazon") also needs company evidence: the statistical NER calls it ORG or a company word is near
  ("shares", "said", "factories", "supplier"...) and it is not followed by a place/time word ("the Amazon
  river", "Next week"), or the same firm is named unambiguously elsewhere in the document.
* A name inside a longer ORG entity of another kind is not that firm ("Apple Daily", "Thomson Reuters
  Foundation"); a one-word name tagged PERSON/GPE needs a company word nearby ("Raymond", "Harris").
* The statistical NER's ORG entities that no tracked name covers are kept: linked by the linker (first word
  of exactly one firm's name, or fuzzy) unless they are one ordinary word, else as untracked organisations.

Output: ``doc.spans[spans_key]``: one span per (mention, firm); ``span.kb_id_`` is the firm id ("" for an
untracked ORG) and ``span.label_`` is ``COMPANY`` or ``ORG``. ``span._.rr_link`` gives
``{"id", "name", "confidence", "reason", "role", "via_parent_of"}``.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

from spacy.language import Language
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from dataclasses import replace

from catalog.model import TrackedFirm
from catalog.names import group_head

from .extensions import ensure_extensions, link_key
from .linking import DEFAULT_FUZZY_CUTOFF, FirmLinker, Link
from .names import normalise, short_name


def group_heads(firms: list[TrackedFirm], common: set[str] = frozenset()) -> dict[str, list[str]]:
    """Firm id -> the name in front of its closing "Group" / "Holdings" ("MTN" for "MTN Group Limited",
    "Mercedes-Benz" for "Mercedes-Benz Group AG"): the news names the group so. Skipped when that name is
    already another firm's name or alias ("Heineken" for Heineken Holding) or two groups share it, and when
    it is a dictionary word in capitals ("VAT" of VAT Group is the tax)."""
    taken: dict[str, set[str]] = defaultdict(set)
    for firm in firms:
        for surface in firm.names:
            taken[normalise(surface)].add(firm.id)
    heads: dict[str, dict[str, str]] = defaultdict(dict)      # key -> firm id -> head
    for firm in firms:
        # The firm's own name only: an alias is often a former name, whose head the news no longer uses
        # ("Denali" of Denali Holding, now Dell Technologies).
        head = group_head(firm.name)
        key = normalise(head) if head else ""
        if head.isupper() and _is_common(head.lower(), common):
            continue
        if key and not taken.get(key, set()) - {firm.id}:
            heads[key].setdefault(firm.id, head)
    extra: dict[str, list[str]] = defaultdict(list)
    for key, owners in heads.items():
        if len(owners) == 1 and key not in taken:
            fid, head = next(iter(owners.items()))
            extra[fid].append(head)
    return dict(extra)


def first_words(firms: list[TrackedFirm], common: set[str]) -> dict[str, list[str]]:
    """Firm id -> the first word of its name when no other firm's name starts with it and it is no
    dictionary word, place or demonym ("Geely" of Geely Automobile Holdings, "Cognizant" of Cognizant
    Technology Solutions): the news shortens names so, with or without the NER calling it an ORG."""
    starts: dict[str, set[str]] = defaultdict(set)
    taken: set[str] = set()
    for firm in firms:
        for surface in firm.names:
            key = normalise(surface)
            taken.add(key)
            if key:
                starts[key.split()[0]].add(firm.id)
    out: dict[str, list[str]] = {}
    for firm in firms:
        words = short_name(firm.name).split()
        if len(words) < 2 or len(words[0]) < 4 or not words[0][:1].isupper() or not words[0].isalpha():
            continue
        word, key = words[0], normalise(words[0])
        if (key in taken or len(starts.get(key, ())) != 1 or _is_common(key, common) or word in PLACE_WORDS
                or any(normalise(w) in PLACE_WORDS_LOWER for w in words[1:])):
            continue
        out[firm.id] = [word]
    return out


# Ordinary words that are also company names, for pipelines without a lemmatizer lexicon.
FALLBACK_COMMON = frozenset(
    "apple shell gap next target total orange vale amazon oracle visa mango puma jaguar sky three zara "
    "boots tesco bp lush crown ford alphabet meta square block snap uber lyft dell "
    "general motors electric national express standard chartered first second united american".split()
)
# Dictionary words whose sense in the news is, overwhelmingly, the company: capitalised, they need no
# further evidence ("Tesla profit slumps", "Meta Poaches Key Google AI Researcher"). Keep this list short:
# "Apple", "Amazon", "Shell", "Target" are not on it, their other senses are common in the news we read.
COMPANY_SENSE_FIRST = frozenset("google tesla uber lyft meta twitter".split())
# Words near a one-word ordinary name that show it is the company.
COMPANY_CUES = frozenset(
    "company companies firm firms inc corp corporation ltd plc group share shares stock shareholder "
    "shareholders investor investors spokesperson spokesman spokeswoman ceo executive executives chief "
    "brand brands retailer supplier suppliers factory factories plant store stores subsidiary headquarters "
    "owner deny announce respond statement giant maker manufacturer chain customer customers "
    "product products smartphone iphone revenue profit sale sales earnings quarter invest sell buy operate "
    "employ worker workers employee employees staff allegation allegations accuse "
    "contractor contractors boss founder app platform service services outage outages user users".split()
)
# A following word that makes a capitalised ordinary name a place, a time or a thing.
NOT_COMPANY_NEXT = frozenset(
    "river rainforest forest basin region jungle delta week weekend month year day time season door step "
    "stage round generation fruit juice tree trees pie sauce warrior warriors".split()
)
# Verbs before "of" / "from" / "with" that make the next word an illness ("died of ALS").
ILLNESS_VERBS = frozenset("die diagnose suffer succumb battle cure treat recover sicken".split())
# What a firm makes or does, written between its name and its legal form ("MRF Tyres Ltd.", "Hyundai Motor").
TRADE_WORDS = frozenset(
    "tyres tires motor motors automotive auto steel cement airlines airways bank insurance oil gas energy power "
    "mining mines metals foods beverages pharmaceuticals pharma chemicals chemical electronics electric "
    "telecom telecommunications technologies technology industries engineering construction shipping "
    "logistics cloud".split()
)
LEGAL_FORM_WORDS = frozenset("inc inc. corp corp. corporation co co. ltd ltd. limited plc llc ag sa se nv group".split())
INSTITUTION_WORDS = frozenset(
    "foundation university institute school college museum trust charity union association council party "
    "ministry department centre center hospital federation league committee commission agency".split()
)
PERSON_OR_PLACE = frozenset({"PERSON", "GPE", "LOC", "NORP", "FAC"})
MULTI_WORD_VETO = frozenset({"GPE", "LOC", "DATE", "TIME", "EVENT", "WORK_OF_ART", "LAW", "FAC"})
ORG_FILLER = frozenset("the inc inc. corp corp. co co. ltd ltd. plc llc ag sa se nv group 's ’s".split())
try:  # country names and demonyms: "Shell Nigeria", "Samsung Vietnam" are still Shell and Samsung
    _PLACES = json.loads((Path(__file__).with_name("data") / "places.json").read_text(encoding="utf-8"))
    # capitalised words only: "of", "and", "the" of "Isle of Man" or "Trinidad and Tobago" are no place words
    PLACE_WORDS = frozenset(w for table in ("names", "demonyms") for name in _PLACES[table] for w in name.split()
                            if w[:1].isupper())
except OSError:  # pragma: no cover
    PLACE_WORDS = frozenset()
PLACE_WORDS_LOWER = frozenset(w.lower() for w in PLACE_WORDS)
NOT_COMPANY_ENTS = frozenset(
    "DATE TIME LOC GPE PERSON NORP FAC EVENT CARDINAL ORDINAL QUANTITY WORK_OF_ART LANGUAGE LAW PERCENT".split()
)


def _is_common(word: str, common: set[str]) -> bool:
    """A dictionary word, plural forms included ("circles", "elders", "factories")."""
    if word in common:
        return True
    if word.endswith("ies") and word[:-3] + "y" in common:
        return True
    return (word.endswith("es") and word[:-2] in common) or (word.endswith("s") and word[:-1] in common)


def _common_lexicon(nlp: Language) -> set[str]:
    """English dictionary words (WordNet lemma index shipped with the English lemmatizer) + fallbacks."""
    words = set(FALLBACK_COMMON) | set(STOP_WORDS)
    for _, pipe in nlp.pipeline:
        lookups = getattr(pipe, "lookups", None)
        if lookups is not None and lookups.has_table("lemma_index"):
            for entries in lookups.get_table("lemma_index").values():
                words.update(w for w in entries if "_" not in w)
    return words


class CompanyGazetteer:
    def __init__(self, nlp: Language, name: str = "rightsradar_company_gazetteer_v1", *,
                 spans_key: str = "companies", use_ner: bool = True,
                 fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF):
        ensure_extensions()
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.use_ner = use_ner
        self.fuzzy_cutoff = fuzzy_cutoff
        self.firms: list[TrackedFirm] = []
        self.blocked: set[tuple[str, str]] = set()   # researchers' "this name is not that firm"
        self.cues: dict[str, re.Pattern] = {}          # firm id -> people and products that identify it
        self.soft_heads: set[tuple[str, str]] = set()   # derived group heads that are no dictionary word
        self.common: set[str] = set(FALLBACK_COMMON)
        self._reset()

    def _reset(self) -> None:
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # lower-cased token key -> [(firm id, surface, needs exact case, needs evidence)]
        self.entries: dict[str, list[tuple[str, str, bool, bool]]] = {}
        self.linker = FirmLinker([], fuzzy_cutoff=self.fuzzy_cutoff)

    # -- data ----------------------------------------------------------------------------------
    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None,
                   firms: Iterable[TrackedFirm] | None = None) -> None:
        self.set_firms(firms or [])

    def set_firms(self, firms: Iterable[TrackedFirm], blocked: Iterable[tuple[str, str]] = ()) -> None:
        """Fill the matcher and the linker. ``blocked``: (normalised name, firm id) pairs never to link."""
        self.firms = list(firms)
        # Derived from the name alone, a group's head is weaker than a listed alias: it links only with
        # company evidence, as an ordinary word does ("VAT" for VAT Group, "Meiji" for Meiji Holdings).
        common = self.common = _common_lexicon(self.nlp)
        heads = group_heads(self.firms, common)
        for fid, words in first_words(self.firms, common).items():
            heads.setdefault(fid, []).extend(w for w in words if w not in heads.get(fid, ()))
        derived = {(fid, head) for fid, names in heads.items() for head in names}
        named = [replace(f, aliases=(*f.aliases, *heads[f.id])) if f.id in heads else f for f in self.firms]
        self.blocked = {tuple(pair) for pair in blocked}
        # One pattern per firm, compiled once: matching runs for every doubtful mention.
        self.cues = {f.id: re.compile(r"\b(?:" + "|".join(map(re.escape, f.cues)) + r")\b")
                     for f in self.firms if f.cues}
        self._reset()
        by_key: dict[str, list[tuple[str, str, bool, bool]]] = defaultdict(list)
        surfaces: list[tuple[str, str]] = []
        for firm in named:
            seen: set[str] = set()
            for surface in (firm.name, short_name(firm.name), *firm.aliases):
                surface = surface.strip()
                if surface and surface not in seen:
                    seen.add(surface)
                    surfaces.append((firm.id, surface))
        protected: set[str] = set()
        self.soft_heads = set()
        docs = self.nlp.tokenizer.pipe(s for _, s in surfaces)
        for (fid, surface), pdoc in zip(surfaces, docs):
            words = [t.lower_ for t in pdoc if not t.is_punct]
            letter = len(surface) == 1 and surface.isupper()     # "X": linked only with evidence
            if not words or (len(surface) < 2 or len(words) == 1 and len(words[0]) < 2) and not letter:
                continue
            acronym = surface.isupper() and len(surface) <= 5
            ordinary = letter or all(_is_common(w, common) for w in words)
            needs_case = acronym or ordinary
            needs_evidence = (ordinary and len(words) == 1 and words[0] not in COMPANY_SENSE_FIRST
                              or (fid, surface) in derived)
            if needs_evidence:
                protected.add(normalise(surface))
            if (fid, surface) in derived and not ordinary:
                self.soft_heads.add((fid, surface))
            key = " ".join(t.lower_ for t in pdoc)
            if key not in by_key:
                self.matcher.add(key, [pdoc])
            by_key[key].append((fid, surface, needs_case, needs_evidence))
        self.entries = dict(by_key)
        self.linker = FirmLinker(named, fuzzy_cutoff=self.fuzzy_cutoff, protected_keys=protected,
                                 blocked=self.blocked, place_words=PLACE_WORDS)

    # -- processing ----------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        links: dict[str, dict] = {}
        strong_firms: set[str] = set()
        pending: list[tuple[int, int, list[tuple[str, str]], bool]] = []   # evidence-needing matches
        accepted: list[tuple[int, int, list[tuple[str, str]]]] = []
        rejected: list[tuple[int, int]] = []
        defined = _defined_acronyms(doc)
        matches = self._matches(doc)
        starts_of = self._other_name_starts(matches)
        match_starts = frozenset(s for _, s, _ in matches)
        match_tokens_of = self._other_name_tokens(matches)
        surnames = self._surnames(doc, matches)
        for match_id, start, end in matches:
            text = doc[start:end].text
            if text in defined and not self._defines_own_acronym(doc, matches, defined[text], match_id):
                rejected.append((start, end))
                continue      # "Namibian Broadcasting Corporation (NBC)": that NBC, not the tracked one
            strong, weak = [], []
            strict = True
            ent_labels = {doc[i].ent_type_ for i in range(start, end)}
            for fid, surface, needs_case, needs_evidence in self.entries[self.nlp.vocab.strings[match_id]]:
                if self.blocked and self.linker.is_blocked(normalise(text), fid):
                    continue
                if needs_case and not _same_case(text, surface):
                    continue
                if needs_evidence and not text[:1].isupper():
                    continue
                if text.islower() and not surface.islower():
                    continue      # "a supermax prison": a name written all in lower case is a word here
                if needs_case and end < len(doc) and doc[end].text in ("-", "‑") and not doc[end].whitespace_:
                    continue      # "Meta-analysis", "Target-date funds"
                # Inside a longer ORG: an ordinary-word name is another body ("Apple Daily", "Federal
                # Reserve"); a distinctive one only inside an institution ("Thomson Reuters Foundation"),
                # since the small model stretches entities over title-case headlines ("OpenAI Removed").
                if self._inside_other_org(doc, start, end, strict=needs_case,
                                          other_names=starts_of.get(fid, frozenset()),
                                          trade=True):
                    continue
                if _inside_entity(doc, start, end, NUMERIC_ENTS) or _inside_title(doc, start, end):
                    continue      # "the first millennium BCE", "Q3 2024", "Pokémon Crystal": part of a date,
                    # an amount or a title
                if needs_case and _product_here(doc, start, end, match_tokens_of.get(fid, frozenset())):
                    continue      # "GPT 5.2", "OpenAI’s GPT model": a model or product, not the firm
                if (needs_case and end - start > 1 and _mostly_labelled(doc, start, end, MULTI_WORD_VETO)
                        and not _whole_outlet_name(doc, start, end)):
                    continue      # "Renewable Energy Week", "Southern California" (not "The Mail on Sunday",
                    # "the Sydney Morning Herald" that the NER calls an EVENT)
                if (end - start == 1 and not _coined(text) and text[:1].isupper() and text[1:].islower()
                        and _given_name_here(doc, start, match_starts, self.common)):
                    continue      # "Nikola Repin", "Noah Wyle": a person's given name
                if (needs_evidence and end - start == 1 and start > 0 and not doc[start].is_sent_start
                        and doc[start - 1].is_alpha and doc[start - 1].text[:1].isupper()
                        and doc[start - 1].lower_ != "the" and not doc[start - 1].is_sent_start
                        and doc[start - 1].ent_type_ not in ("NORP", "GPE", "LOC", "DATE", "TIME")
                        and not _title_case(doc, start)):
                    continue      # "Seven News", "Geo News": an ordinary-word name as the tail of another
                    # name (but "Indian Toyota workers", "German Carnival": an adjective of origin; "On Monday
                    # Ryanair’s chief": a date)
                if end - start == 1 and not _coined(text) and (_part_of_a_full_name(doc, start, self.common)
                                                               or text in surnames):
                    continue      # "Tim Moore", "Kamala Harris", "Michael Dell": a person, not the firm
                if (not needs_evidence and end - start == 1 and ent_labels & PERSON_OR_PLACE
                        and not _coined(text) and _person_or_place_here(doc, start, text, self.common,
                                                                         names=match_starts)):
                    needs_evidence, strict = True, False   # "Raymond", "Harris": a person here, unless cues
                (weak if needs_evidence else strong).append((fid, surface))
            if weak and all(c in self.soft_heads for c in weak):
                strict = False    # "MTN", "NSO": a company word or an ORG label is enough, as for a name
            if strong:
                accepted.append((start, end, strong))
                strong_firms.update(f for f, _ in strong)
            elif weak:
                pending.append((start, end, weak, strict))
            else:
                rejected.append((start, end))
        strong_tokens = {i for s, e, _ in accepted for i in range(s, e)}
        doubtful: list[tuple[int, int, list[tuple[str, str]], bool]] = []
        for start, end, cands, strict in pending:
            if self._cue_named(doc, cands) or _listed_with(doc, start, end, strong_tokens):
                accepted.append((start, end, cands))
            elif len(doc[start:end].text) == 1:
                # A one-letter name ("X") needs more than a company word: "Generation X workers",
                # "Figure X" are not the firm; a platform word in its sentence is enough.
                if _letter_name_here(doc, start):
                    accepted.append((start, end, cands))
                else:
                    rejected.append((start, end))
            elif any(f in strong_firms for f, _ in cands) or self._has_evidence(doc, start, end, strict):
                accepted.append((start, end, cands))
            else:
                doubtful.append((start, end, cands, strict))
        # One sense per document: once the text shows a name is the firm, its other mentions are too, unless
        # their own context says otherwise ("the Amazon river", a date, a place).
        named_firms = {f for _, _, cands in accepted for f, _ in cands}
        for start, end, cands, strict in doubtful:
            if any(f in named_firms for f, _ in cands) and not self._vetoed(doc, start, end, strict):
                accepted.append((start, end, cands))
            else:
                rejected.append((start, end))

        accepted += _acronym_mentions(doc, defined, accepted)
        spans: list[Span] = []
        by_span = {}
        for start, end, cands in accepted:
            by_span.setdefault((start, end), cands)
        kept = filter_spans([Span(doc, s, e) for s, e in by_span])
        for span in kept:
            cands = by_span[(span.start, span.end)]
            key_link = self._link_candidates(cands, span.text)
            for link in self.linker.with_parents(key_link, normalise(span.text)):
                spans.append(Span(doc, span.start, span.end, label="COMPANY", kb_id=link.firm_id))
                links[link_key(span.start, span.end, link.firm_id)] = _link_dict(link)

        if self.use_ner and doc.has_annotation("ENT_IOB"):
            covered = {i for s in kept for i in range(s.start, s.end)}
            blocked = {i for s, e in rejected for i in range(s, e)}
            for ent in doc.ents:
                if ent.label_ != "ORG":
                    continue
                idx = set(range(ent.start, ent.end))
                if idx & covered or idx & blocked:
                    continue
                if ent[0].lower_ == "the" and len(ent) > 1:
                    ent = doc[ent.start + 1:ent.end]
                mention = ent.text[:-2] if ent.text.endswith(("'s", "’s")) else ent.text
                link = self.linker.link(mention)
                if link is not None and " " not in mention.strip() and _is_common(mention.lower(), self.common):
                    link = None       # one ordinary word ("Guardian", "Times"): only the case/evidence rules link it
                if link is None:
                    spans.append(Span(doc, ent.start, ent.end, label="ORG", kb_id=""))
                    links[link_key(ent.start, ent.end, "")] = {
                        "id": None, "name": ent.text, "confidence": 0.0,
                        "reason": "untracked organisation (NER)", "role": "passing", "via_parent_of": ""}
                    continue
                for lk in self.linker.with_parents(link, normalise(mention)):
                    spans.append(Span(doc, ent.start, ent.end, label="COMPANY", kb_id=lk.firm_id))
                    links[link_key(ent.start, ent.end, lk.firm_id)] = _link_dict(lk)
        spans.sort(key=lambda s: (s.start, s.end))
        doc.spans[self.spans_key] = spans
        doc._.rr_links = links
        return doc

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Phrase matches on the text as written and, where it has accents, on the text without them:
        the list writes "Telefonica, S.A." and the news "Telefónica" (tokens align one to one)."""
        if not len(self.matcher):
            return []
        matches = list(self.matcher(doc))
        if not doc.text.isascii():
            folded = Doc(doc.vocab, words=[_strip_accents(t.text) or t.text for t in doc],
                         spaces=[bool(t.whitespace_) for t in doc])
            matches = sorted(set(matches) | set(self.matcher(folded)), key=lambda m: (m[1], m[2]))
        return matches

    def _surnames(self, doc: Doc, matches: list[tuple[int, int, int]]) -> set[str]:
        """One-word names the text gives as a person's surname: the last word of a full name the NER tags
        PERSON, or a name right after a given name that is no English word, place or other name ("artist
        Tomomi Shimizu ... Shimizu, 50, told Reuters"): a person wherever the text uses them, even where
        the NER sees no PERSON there."""
        starts = {s for _, s, _ in matches}
        # the NER's full names ("Sarah Ferguson"): their last word alone is the person elsewhere in the text
        out = {e[-1].text for e in doc.ents if e.label_ == "PERSON" and len(e) > 1 and e[-1].text[:1].isupper()
               and all(t.text[:1].isupper() for t in e)}
        # ... and so is their first word, the given name ("Travis Kelce ... her relationship with Travis"), unless
        # the full name is itself a firm's ("Travis Perkins" tagged PERSON)
        spans = {(s, e) for _, s, e in matches}
        for e in doc.ents:
            words = [t for t in e if t.lower_ not in ("'s", "’s")]
            if (e.label_ == "PERSON" and len(words) > 1 and (e.start, e.end) not in spans
                    and all(t.text[:1].isupper() and t.is_alpha for t in words)
                    and not _is_common(words[-1].lower_, self.common) and not _title_case(doc, e.start)):
                # (not "Instagram Promised to Become Safer", a headline's words the NER took for a name)
                out.add(words[0].text)
        for _, start, end in matches:
            if end - start != 1 or start == 0 or _coined(doc[start].text):
                continue
            given = doc[start - 1]
            if (given.is_alpha and len(given) > 1 and given.text[0].isupper() and not given.is_upper
                    and given.i not in starts and given.text not in PLACE_WORDS
                    and not _is_common(given.lower_, self.common) and given.ent_type_ not in ("NORP", "GPE", "LOC")
                    and not (end < len(doc) and doc[end].lower_ in LEGAL_FORM_WORDS)):
                out.add(doc[start].text)
        return out

    def _other_name_tokens(self, matches: list[tuple[int, int, int]]) -> dict[str, frozenset[int]]:
        """Firm id -> the tokens covered by the name of some other firm."""
        strings = self.nlp.vocab.strings
        firms_at: dict[int, set[str]] = defaultdict(set)
        for match_id, start, end in matches:
            for i in range(start, end):
                firms_at[i].update(fid for fid, *_ in self.entries[strings[match_id]])
        every = {fid for fids in firms_at.values() for fid in fids}
        return {fid: frozenset(i for i, fids in firms_at.items() if fids - {fid}) for fid in every}

    def _other_name_starts(self, matches: list[tuple[int, int, int]]) -> dict[str, frozenset[int]]:
        """Firm id -> the tokens where the name of some other firm starts."""
        strings = self.nlp.vocab.strings
        firms_at: dict[int, set[str]] = defaultdict(set)
        for match_id, start, _ in matches:
            firms_at[start].update(fid for fid, *_ in self.entries[strings[match_id]])
        every = {fid for fids in firms_at.values() for fid in fids}
        return {fid: frozenset(i for i, fids in firms_at.items() if fids - {fid}) for fid in every}

    def _defines_own_acronym(self, doc: Doc, matches: list[tuple[int, int, int]], span: tuple[int, int],
                             match_id: int) -> bool:
        """The long name defining the acronym is itself a name of one of the acronym's firms:
        "Nigerian National Petroleum Corporation (NNPC)" defines the tracked NNPC, not another body."""
        strings = self.nlp.vocab.strings
        firms = {fid for fid, *_ in self.entries[strings[match_id]]}
        return any(span[0] <= s and e <= span[1] and firms & {fid for fid, *_ in self.entries[strings[m]]}
                   for m, s, e in matches)

    def _cue_named(self, doc: Doc, cands: list[tuple[str, str]]) -> bool:
        """The document names a person or product known with one of the candidate firms ("Musk's X")."""
        return any(fid in self.cues and self.cues[fid].search(doc.text) for fid, _ in cands)

    def _link_candidates(self, cands: list[tuple[str, str]], text: str) -> Link:
        fids = {f for f, _ in cands}
        key = normalise(cands[0][1])
        link = self.linker.resolve_key(key, text)
        if link is not None and link.firm_id in fids:
            return link
        fid, surface = cands[0]
        return Link(fid, self.linker.names.get(fid, surface), 0.9, f"exact alias '{surface}'")

    @staticmethod
    def _inside_other_org(doc: Doc, start: int, end: int, strict: bool = True,
                          other_names: frozenset[int] = frozenset(), trade: bool = False) -> bool:
        """The match sits in a longer ORG entity: ``strict``, one that is more than the name plus a legal
        form or a country ("China Geo", "Apple Daily"); else one that is an institution of another kind
        ("Thomson Reuters Foundation", "Samsung Medical Centre", "Alphabet Workers Union"). ``other_names``:
        tokens where another firm's name starts; a title-case entity holding one is a headline the model
        ran together ("Meta Poaches Key Google AI Researcher"), not a name. ``trade``: a name that is no
        dictionary word stays the firm when what it makes follows it ("MRF Tyres Ltd.")."""
        for i in range(start, end):
            tok = doc[i]
            if tok.ent_type_ != "ORG":
                continue
            ent = next((e for e in doc.ents if e.start <= i < e.end), None)
            if ent is None:
                return False
            # An entity never runs over a line break ("BMO\n\nBank of Montreal's") or a comma ("Sora, Meta"): keep
            # the part of the match.
            line = [t for t in doc[ent.start:ent.end]
                    if not any("\n" in b.text or b.text in (",", ";") for b in doc[min(t.i, i):max(t.i, i) + 1])]
            extra = [t for t in line if not start <= t.i < end]
            if end < len(doc) and _possessive_mark(doc, end) and all(t.i >= end for t in extra):
                return False   # "Amazon’s Bessemer plant": what the firm owns, not a longer name
            if _title_case(doc, i) and any(t.pos_ in ("VERB", "AUX", "ADP") or t.i in other_names for t in extra):
                return False   # "Spain Orders Criminal Investigation Into X,": a headline, not a name
            if not strict or any(t.lower_ in INSTITUTION_WORDS for t in extra):
                return any(t.lower_ in INSTITUTION_WORDS for t in extra)
            # "Google Earnings", "Apple shares": the firm and a company word, not another body
            return any(t.lower_ not in ORG_FILLER and t.text not in PLACE_WORDS and not t.is_punct
                       and not t.like_num and t.lower_ not in COMPANY_CUES
                       and not (trade and t.lower_ in TRADE_WORDS) for t in extra)
        return False

    @staticmethod
    def _vetoed(doc: Doc, start: int, end: int, strict: bool = True) -> bool:
        """The match's own context says it is no firm: a place or time word after it ("the Amazon river");
        ``strict`` (ordinary-word names): a non-company NER label, "the" before it, or "a" heading it."""
        if end < len(doc) and doc[end].lower_ in NOT_COMPANY_NEXT:
            return True
        if not strict or _named_as_company(doc, start, end):
            return False      # "telecoms giant Orange", "a spokesman for Twitter", whatever the NER says
        if {doc[i].ent_type_ for i in range(start, end)} & NOT_COMPANY_ENTS:
            return True
        if end - start == 1 and doc[start].pos_ == "VERB" and doc[start].ent_type_ != "ORG":
            return True       # "Unite on the basis of independent trade unions": the verb
        if (start > 1 and doc[start - 1].lower_ in ("of", "from", "with")
                and doc[start - 2].lemma_.lower() in ILLNESS_VERBS):
            return True       # "died of ALS", "diagnosed with MS": an illness
        before = start - 1
        while before > 0 and doc[before].pos_ == "ADJ" and doc[before].is_lower:
            before -= 1       # "the beautiful Dolomite slopes", "Cologne's famed Carnival"
        if before >= 0 and doc[before].lower_ in ("the", "their", "its", "his", "her", "our", "my", "your"):
            return True       # "the Amazon", "their Carnival parades"; firms rarely take an article
        if (before < start - 1 and before > 0 and _possessive_mark(doc, before)
                and doc[before - 1].ent_type_ in ("GPE", "LOC")):
            return True       # "Cologne's famed Carnival": a place's own festival (but "Brazil's Vale" stays)
        # "a Target for Trump" (but "an Amazon van", "a Pepsi bottling center")
        return start > 0 and doc[start - 1].lower_ in ("a", "an") and doc[end - 1].head.i < end

    @classmethod
    def _has_evidence(cls, doc: Doc, start: int, end: int, strict: bool = True) -> bool:
        """Company words near the match, unless :meth:`_vetoed`."""
        if cls._vetoed(doc, start, end, strict):
            return False
        if _named_as_company(doc, start, end):
            return True
        ent_labels = {doc[i].ent_type_ for i in range(start, end)} - {""}
        first = doc[start]
        sent = first.sent if doc.has_annotation("SENT_START") else doc[:]
        lo, hi = max(sent.start, start - 5), min(sent.end, end + 5)
        cue = any(doc[i].lower_ in COMPANY_CUES or doc[i].lemma_.lower() in COMPANY_CUES
                  for i in range(lo, hi) if not start <= i < end)
        possessive = end < len(doc) and doc[end].lower_ in ("'s", "’s")
        if "ORG" in ent_labels and not (strict and _title_case(doc, start)):
            return True       # the NER calls exactly this an organisation, and no place/time word follows
            # (but in a title-case headline it calls most capitalised words so: "Legacy of Ford’s Pardon")
        if not strict:
            return cue or possessive
        if first.is_sent_start and first.dep_ not in ("nsubj", "nsubjpass", "compound", "poss"):
            return False
        return cue and first.dep_ != "amod"

    # -- serialisation -------------------------------------------------------------------------
    def _cfg(self) -> dict:
        return {"spans_key": self.spans_key, "use_ner": self.use_ner, "fuzzy_cutoff": self.fuzzy_cutoff,
                "blocked": sorted(self.blocked)}

    def _firm_rows(self) -> list[dict]:
        return [{"id": f.id, "name": f.name, "aliases": list(f.aliases), "country": f.country,
                 "parent_id": f.parent_id, "partner_ids": list(f.partner_ids), "cues": list(f.cues)}
                for f in self.firms]

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"cfg": self._cfg(), "firms": self._firm_rows()}).encode()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "CompanyGazetteer":
        payload = json.loads(data)
        self._load(payload["cfg"], payload["firms"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps(self._cfg()), encoding="utf-8")
        with open(path / "firms.jsonl", "w", encoding="utf-8") as fh:
            for row in self._firm_rows():
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "CompanyGazetteer":
        path = Path(path)
        cfg = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        with open(path / "firms.jsonl", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        self._load(cfg, rows)
        return self

    def _load(self, cfg: dict, rows: list[dict]) -> None:
        self.spans_key = cfg.get("spans_key", self.spans_key)
        self.use_ner = cfg.get("use_ner", self.use_ner)
        self.fuzzy_cutoff = cfg.get("fuzzy_cutoff", self.fuzzy_cutoff)
        self.set_firms((TrackedFirm(id=r["id"], name=r["name"], aliases=tuple(r.get("aliases", ())),
                                   country=r.get("country", ""), parent_id=r.get("parent_id", ""),
                                   partner_ids=tuple(r.get("partner_ids", ())), cues=tuple(r.get("cues", ())))
                        for r in rows), blocked=cfg.get("blocked", ()))


# A noun that, right before a name, says what it is: "telecoms giant Orange", "retailer Target".
COMPANY_NOUNS = frozenset(
    "company firm giant group retailer supplier maker carmaker automaker chipmaker manufacturer brand chain "
    "conglomerate subsidiary operator provider carrier airline bank lender insurer insurance startup "
    "start-up developer publisher broadcaster network outlet service platform".split()
)
# People and parts of a firm named with "for", "at", "of": "a spokesman for Twitter", "workers at Amazon".
COMPANY_PEOPLE = frozenset(
    "spokesman spokeswoman spokesperson spokespeople representative executive executives ceo chief founder "
    "co-founder owner owners employee employees worker workers staff shareholders shares stake unit "
    "subsidiary division".split()
)


def _named_as_company(doc: Doc, start: int, end: int) -> bool:
    """The words right around the name say it is a firm: a company noun before it ("telecoms giant Orange",
    "UK telecom company BT") or in apposition ("the largest retailer, Woolworths,"), a spokesperson, worker
    or part of it ("a spokesman for Twitter"), or its possessive with a company word close after ("Orange’s
    2018 revenues", "Amazon’s Bessemer plant")."""
    if start > 0 and doc[start - 1].lower_ in COMPANY_NOUNS and doc[start - 1].pos_ == "NOUN":
        return True
    head = doc[end - 1]
    if head.dep_ == "appos" and head.head.lemma_.lower() in COMPANY_NOUNS or any(
            child.dep_ == "appos" and child.lemma_.lower() in COMPANY_NOUNS for child in head.children):
        return True   # "Australia’s largest retailer, Woolworths, ranks", "Twitch, a live-streaming service,"
    if start > 1 and doc[start - 1].lower_ in ("for", "at", "of", "from") and doc[start - 2].lower_ in COMPANY_PEOPLE:
        return True
    return (end < len(doc) and doc[end].lower_ in ("'s", "’s")
            and any(t.lower_ in COMPANY_CUES or t.lemma_.lower() in COMPANY_CUES
                    for t in doc[end + 1:min(len(doc), end + 6)] if not t.is_sent_start))


PLATFORM_WORDS = frozenset("outage outages users user platform app posts post account accounts "
                           "social moderation content".split())
LETTER_PRECEDERS = frozenset("generation gen figure fig table brand player project model series type vitamin "
                             "planet day chapter section article part phase option company firm mr ms dr "
                             "malcolm plan factor".split())


def _title_case(doc: Doc, i: int) -> bool:
    """Token i's sentence Capitalises Most Words, as headlines do."""
    sent = doc[i].sent if doc.has_annotation("SENT_START") else doc[:]
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and sum(t.text[:1].isupper() for t in words) >= 0.8 * len(words)


def _letter_name_here(doc: Doc, i: int) -> bool:
    if i > 0 and (doc[i - 1].lower_ in LETTER_PRECEDERS or doc[i - 1].ent_type_ == "PERSON"):
        return False
    if i + 1 < len(doc) and doc[i + 1].text in ("-", "‑"):
        return False
    sent = doc[i].sent if doc.has_annotation("SENT_START") else doc[:]
    return any(t.lower_ in PLATFORM_WORDS or t.lemma_.lower() in PLATFORM_WORDS for t in sent if t.i != i)


LIST_SEPARATORS = frozenset({",", "and", "&", "or", ";"})


def _listed_with(doc: Doc, start: int, end: int, firm_tokens: set[int]) -> bool:
    """The match is coordinated with a firm found without doubt ("Into X, Meta, and TikTok"), by the parse
    or, where the parse wanders, as the next item of a written list ("AT&T, Cricket, Telefónica")."""
    tok = doc[end - 1]
    if any(t.i in firm_tokens for t in (*tok.conjuncts, tok.head) if t.dep_ == "conj" or tok.dep_ == "conj"):
        return True
    for step, edge in ((-1, start - 1), (1, end)):
        i = edge
        while 0 <= i < len(doc) and doc[i].lower_ in LIST_SEPARATORS and abs(i - edge) < 2:
            i += step
        if step < 0 and i != edge and i > 0 and doc[i].text == ")":
            opening = next((j for j in range(i - 1, max(-1, i - 8), -1) if doc[j].text == "("), None)
            i = opening - 1 if opening else i      # "BYD (no. 43), and Geely": past the aside
        if i != edge and 0 <= i < len(doc) and i in firm_tokens:
            return True
    return False


def _part_of_a_full_name(doc: Doc, i: int, common: set[str]) -> bool:
    """Token i is one word of a PERSON entity whose other words are names, not headline words."""
    ent = next((e for e in doc.ents if e.start <= i < e.end), None)
    if ent is None or ent.label_ != "PERSON" or len(ent) < 2:
        return False
    others = [t for t in ent if t.i != i and not t.is_punct]
    if not others or not all(t.text[:1].isupper() and t.pos_ == "PROPN" for t in others):
        return False
    if all(not _is_common(t.lower_, common) for t in others):
        return True
    if any(t.is_sent_start for t in others):
        return False   # "Wearing Alaïa again, ...": a capitalised first word, not a first name
    # Surnames are often dictionary words too ("Moore", "Cook"): trust the proper nouns unless the
    # sentence is written in title case, where every word looks like one.
    words = [t for t in doc[doc[i].sent.start:doc[i].sent.end] if t.is_alpha]
    return sum(t.text[:1].isupper() for t in words) < 0.6 * len(words)


def _person_or_place_here(doc: Doc, i: int, word: str, common: set[str], names: frozenset[int] = frozenset()) -> bool:
    """The NER's PERSON / place label on a one-word name is believed when the entity is longer than the
    name ("Kamala Harris"), the word is a place we know, or the document names a person ending with it
    ("Kamala Harris ... Harris said"); a lone "Netflix" or "Temu" labelled PERSON or GPE, as the small
    model often does in headlines, is the company."""
    ent = next((e for e in doc.ents if e.start <= i < e.end), None)
    if ent is None or word in PLACE_WORDS:
        return True
    if ent.label_ in ("GPE", "LOC") and any(t.ent_type_ in ("GPE", "LOC") and t.i not in names
                                             for t in doc[i].conjuncts):
        return True   # "Alexandria and Suez": one place of several (not "Netflix or Spotify", both names)
    if len(ent) > 1 and not all(_is_common(t.lower_, common) or _is_common(t.lemma_.lower(), common) or t.is_punct
                                for t in ent if t.i != i):
        return True   # "Kamala Harris"; but "Instagram Promised" is a title-case headline, not a name
    return any(e.label_ == "PERSON" and len(e) > 1 and e[-1].text == word for e in doc.ents)


ACRONYM_FUNCTION_WORDS = frozenset("of and for the de del des du la le y et".split())


def _defined_acronyms(doc: Doc) -> dict[str, tuple[int, int]]:
    """Acronyms the text defines for a longer name, with the tokens of that name: "Namibian Broadcasting
    Corporation (NBC)", "Department of Labour and Employment (DOLE)". A tracked firm's own long name defines
    its acronym too (checked by the caller)."""
    out: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r"\(([A-Z][A-Z&.]{1,5})\)", doc.text):      # only where the text writes "(ABC)"
        bracket = doc.char_span(match.start(), match.start() + 1)
        if bracket is None or bracket.start < 1 or bracket.end + 1 >= len(doc):
            continue
        tok = doc[bracket.end]
        if not (tok.text == match[1] and doc[tok.i + 1].text == ")"):
            continue
        begin = _long_form_start(doc, tok.i - 1, tok.text)
        if begin is not None:
            out[tok.text] = (begin, tok.i - 1)
    return out


def _long_form_start(doc: Doc, paren: int, acronym: str) -> int | None:
    """Where the name before ``(ACRONYM)`` starts: reading back from the bracket, each capitalised word gives
    the next letter from the end, a small word ("of", "and") may give one, and any other word ends it."""
    k, i = len(acronym) - 1, paren - 1
    while k >= 0 and i >= 0 and paren - i <= 2 * len(acronym) + 2:
        word = doc[i]
        if word.is_alpha and word.text[0].isupper():
            if word.text[0] != acronym[k]:
                return None
            k -= 1
        elif word.lower_ in ACRONYM_FUNCTION_WORDS:
            if word.text[0].upper() == acronym[k] and k > 0:
                k -= 1
        elif word.is_alpha:
            return None
        i -= 1
    return i + 1 if k < 0 else None
    for tok in doc:
        if not (tok.text.isupper() and 2 <= len(tok.text) <= 6 and tok.i >= 2 and doc[tok.i - 1].text == "("
                and tok.i + 1 < len(doc) and doc[tok.i + 1].text == ")"):
            continue
        begin = max(0, tok.i - 1 - 2 * len(tok.text))
        words = [t for t in doc[begin:tok.i - 1] if t.is_alpha]
        initials = "".join(t.text[0] for t in words if t.text[0].isupper())
        if initials.endswith(tok.text):
            out[tok.text] = (begin, tok.i - 1)
    return out


NUMERIC_ENTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})


def _inside_title(doc: Doc, start: int, end: int) -> bool:
    """The match is one word of a longer title the NER finds (WORK_OF_ART) with other capitalised words in it
    (but not "Facebook and", which the small model sometimes calls a title)."""
    if not _inside_entity(doc, start, end, frozenset({"WORK_OF_ART"})):
        return False
    ent = next(e for e in doc.ents if e.start <= start < e.end)
    return any(t.is_alpha and t.text[:1].isupper() for t in ent if not start <= t.i < end)


# The last word of a multi-word name that makes it a newspaper or channel, which the small NER often calls a
# place or an event ("the South China Morning Post" LOC, "the Sydney Morning Herald" EVENT).
OUTLET_WORDS = frozenset("post herald times news journal daily mail telegraph tribune gazette chronicle star "
                         "observer standard express mirror review".split())


def _whole_outlet_name(doc: Doc, start: int, end: int) -> bool:
    """A name of three or more words ending with an outlet word, which the NER entity covers exactly (with
    "the"): the outlet itself, whatever label the NER gives it."""
    if end - start < 3 or doc[end - 1].lower_ not in OUTLET_WORDS:
        return False
    ent = next((e for e in doc.ents if e.start <= start < e.end), None)
    if ent is None:
        return True
    first = ent.start + (doc[ent.start].lower_ == "the")
    return first == start and ent.end == end


def _product_here(doc: Doc, start: int, end: int, other_tokens: frozenset[int]) -> bool:
    """The name is a model or product here: a version number right after it ("GPT 5.2"), or another firm's
    possessive right before it ("OpenAI’s GPT model")."""
    if end < len(doc) and doc[end].like_num and doc[end].ent_type_ not in ("DATE", "MONEY", "PERCENT"):
        return True
    return start >= 2 and _possessive_mark(doc, start - 1) and doc[start - 2].i in other_tokens


def _given_name_here(doc: Doc, i: int, match_starts: frozenset[int], common: set[str]) -> bool:
    """Token i is a person's given name: a surname follows it, a capitalised proper noun that is no dictionary
    word, place or other name ("Nikola Repin", "Noah Wyle"), and the NER calls neither word an organisation."""
    if i + 1 >= len(doc) or doc[i].ent_type_ in ("ORG", "PRODUCT", "GPE", "NORP"):
        return False
    nxt = doc[i + 1]
    return (nxt.is_alpha and len(nxt) > 2 and nxt.text[0].isupper() and nxt.text[1:].islower()
            and nxt.pos_ == "PROPN" and nxt.i not in match_starts and not nxt.is_sent_start
            and nxt.ent_type_ not in ("ORG", "PRODUCT", "GPE", "LOC", "NORP", "FAC")
            and nxt.text not in PLACE_WORDS and not _is_common(nxt.lower_, common)
            and nxt.lower_ not in LEGAL_FORM_WORDS and nxt.lower_ not in TRADE_WORDS)


def _inside_entity(doc: Doc, start: int, end: int, labels: frozenset[str]) -> bool:
    """The match lies inside a longer entity with one of these labels."""
    if doc[start].ent_type_ not in labels:
        return False
    ent = next((e for e in doc.ents if e.start <= start < e.end), None)
    return ent is not None and ent.label_ in labels and end <= ent.end and ent.end - ent.start > end - start


def _possessive_mark(doc: Doc, i: int) -> bool:
    """Token i makes the word before it possessive: "’s", or a bare apostrophe after an s ("Fox News’")."""
    return doc[i].lower_ in ("'s", "’s") or (doc[i].text in ("'", "’") and i > 0 and doc[i - 1].lower_.endswith("s")
                                            and not doc[i - 1].whitespace_)


def _mostly_labelled(doc: Doc, start: int, end: int, labels: frozenset[str]) -> bool:
    """Most of the match's tokens carry one of the NER labels."""
    return 2 * sum(doc[i].ent_type_ in labels for i in range(start, end)) > end - start


def _acronym_mentions(doc: Doc, defined: dict[str, tuple[int, int]],
                      accepted: list[tuple[int, int, list[tuple[str, str]]]]) -> list[tuple[int, int, list]]:
    """An acronym the text defines with a firm's name ("Toyota Kirloskar Motor (TKM)") is that firm wherever
    the text uses it."""
    named = {(s, e): cands for s, e, cands in accepted}
    taken = {i for s, e, _ in accepted for i in range(s, e)}
    out = []
    for acronym, span in defined.items():
        cands = named.get(span)
        if cands:
            out += [(t.i, t.i + 1, cands) for t in doc if t.text == acronym and t.i not in taken]
    return out


def _coined(word: str) -> bool:
    """A coined brand spelling no person or place has: "HireVue", "BlackRock", "3M"."""
    return any(ch.isupper() for ch in word[1:]) and not word.isupper() or any(ch.isdigit() for ch in word)


def _same_case(text: str, surface: str) -> bool:
    """The mention is written as the name is (or in capitals), accents aside: "France Télécom" is "France
    Telecom", "Next" is not "NEXT" (too short to tell a shouted word), "VODAFONE" is "Vodafone"."""
    if text == surface or len(text) > 3 and text == surface.upper():
        return True
    return not text.isascii() and _same_case(_strip_accents(text), _strip_accents(surface))


@lru_cache(maxsize=100_000)    # called for every token of every text with accents: words repeat
def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _link_dict(link: Link) -> dict:
    return {"id": link.firm_id, "name": link.name, "confidence": link.confidence, "reason": link.reason,
            "role": "passing", "via_parent_of": link.via_parent_of, "relation": link.relation}


@Language.factory(
    "rightsradar_company_gazetteer_v1",
    default_config={"spans_key": "companies", "use_ner": True, "fuzzy_cutoff": DEFAULT_FUZZY_CUTOFF},
)
def make_company_gazetteer(nlp: Language, name: str, spans_key: str, use_ner: bool,
                           fuzzy_cutoff: float) -> CompanyGazetteer:
    return CompanyGazetteer(nlp, name, spans_key=spans_key, use_ner=use_ner, fuzzy_cutoff=fuzzy_cutoff)
