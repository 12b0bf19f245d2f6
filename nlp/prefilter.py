"""The cheap pass: find the sentences worth the statistical model, so it does not read whole articles.

Over every field the pass runs only the tokenizer, a rule sentencizer (punctuation, plus a line break), and
the phrase matching of our own components, with no model:

* firm candidates: the gazetteer's ``PhraseMatcher`` (names, short names, aliases; accents folded), a
  capitalised word that starts exactly the names the linker would complete ("Samsung" -> "Samsung
  Electronics"), and a capitalised legal form ("Inc", "Ltd", "plc", "Group"...), which points at an
  untracked company the NER would report;
* issue candidates: the taxonomy's phrases (``LOWER``) and its ``ORTH``/``LOWER`` token patterns as they
  are, and for its lemma patterns every word the English rule lemmatizer *could* reduce to the pattern's
  first lemma (rules of all parts of speech plus the exception table: a superset, never a miss).

:func:`Prefilter.plan` then keeps, for the model, the title, every sentence with a candidate and, when the
record has a strong firm candidate, ``context`` sentences on each side of an issue sentence (a firm the NER +
linker find there, say an ORG that only the fuzzy linker resolves, could still score with it). (Reading
the issue sentences of records with no firm candidate without the NER was tried: no faster once the
context rule above is in, and it lost tags, since "X was detained" needs X to be a PERSON.) The kept sentences are joined into one model
text per field (runs separated by a blank line, so the gazetteer still sees the whole document's evidence)
and a :class:`FieldLayout` maps its characters back to the original field.

Sentence numbers (used by the scorer for same / adjacent sentence) come from the cheap segmentation, so they
count the sentences of the whole field, including the ones the model never read.

Trade-offs, by design:

* untracked organisations (NER ``ORG`` with no tracked firm) are reported only from the sentences the model
  reads: sentences with a firm candidate, an issue candidate, a legal form, their context, and the title;
* places come from the cheap pass over the whole field (names, demonyms, capitals: case-sensitive phrase
  matching), except the ambiguous names ("Jordan", "Georgia"), which still need the NER and so are found
  only in the sentences the model reads;
* a story-type cue in a sentence with no candidate ("The company declined to comment.") is not seen;
* the NER reads only the title and the sentences with a firm or organisation candidate (``ner_runs``, see
  :mod:`nlp.focused_ner`): a sentence kept for an issue alone gets its parse but no entities, so an
  organisation or an ambiguous place named only there is not reported, and a person there is recognised as
  a capitalised proper noun. Measured with ``python -m bench.nlp_speed``: a third less time, the same flags,
  firm links and tags; the story types that changed were "allegations" against NER ORGs that were not
  companies (people, parliaments, NATO), and story-type accuracy on the labelled set went from 0.86 to 0.87.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from .company_gazetteer import COMPANY_CUES, PLACE_WORDS, _is_common, _same_case

GAZETTEER = "rightsradar_company_gazetteer_v1"
TAGGER = "rightsradar_issue_tagger_v1"
PLACES = "rightsradar_places_v1"
LEGAL_FORMS = frozenset("inc inc. corp corp. corporation ltd ltd. plc llc ag sa s.a. se nv n.v. gmbh co co. "
                        "group holdings limited".split())
SEPARATOR = "\n\n"
ANCHOR_WINDOW = 40   # tokens a raw pattern's match may run past its anchor word (see _pattern_sentences)
CHEAP_ATTRS = frozenset({"ORTH", "TEXT", "LOWER", "NORM", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT",
                         "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "LIKE_NUM",
                         "LIKE_URL", "LIKE_EMAIL", "SHAPE", "PREFIX", "SUFFIX", "OP", "REGEX"})


@dataclass
class FieldLayout:
    """Where a model text's characters sit in the original field, and the field's cheap sentences."""
    sent_starts: list[int]                      # first character of each cheap sentence of the field
    runs: list[tuple[int, int, int]]            # (start in model text, start in field, length)
    places: list[dict] = field(default_factory=list)   # cheap-pass places, field offsets
    ner_runs: list[tuple[int, int]] = field(default_factory=list)   # model-text ranges the NER reads

    def to_field(self, char: int) -> int:
        """Model-text character offset -> field offset (an ``end`` offset: pass it as ``to_field(end - 1) + 1``)."""
        if not self.runs:
            return char
        i = max(0, bisect_right([r[0] for r in self.runs], char) - 1)
        local, glob, _ = self.runs[i]
        return glob + char - local

    def sent_at(self, char: int) -> int:
        """Index of the cheap sentence holding field offset ``char``."""
        return max(0, bisect_right(self.sent_starts, char) - 1)

    def merge_places(self, model_places: list[dict]) -> list[dict]:
        """The cheap places plus what only the model found in its text (the ambiguous names the NER
        confirmed, place entities the case-sensitive tables miss), in text order."""
        out = list(self.places)
        for p in model_places:
            start, end = self.to_field(p["start"]), self.to_field(p["end"] - 1) + 1
            if not any(q["start"] < end and start < q["end"] for q in out):
                out.append({**p, "start": start, "end": end})
        return sorted(out, key=lambda p: p["start"])


@dataclass
class CheapField:
    text: str
    doc: Doc
    sents: list[tuple[int, int]]                # (start char, end char) per cheap sentence
    firm: set[int]                              # sentence indices with a firm candidate
    issue: set[int]
    org: set[int]                               # a capitalised legal form: some company the NER will name
    strong_firm: bool                           # a tracked name that needs no NER (or has a company word near)


class Prefilter:
    """Plan which sentences of a record the statistical model reads (see the module docstring)."""

    def __init__(self, nlp: Language, *, context: int = 0):
        self.nlp = nlp
        self.context = context
        self.gazetteer = _component(nlp, GAZETTEER)
        self.tagger = _component(nlp, TAGGER)
        self.places = _component(nlp, PLACES)
        self.sentencizer = Sentencizer()
        self._lemma_patterns = self._lemma_word_sets()
        self._lemma_first = frozenset(w for words in self._lemma_patterns for w in words[0])
        self._rules, self._exc = self._lemma_tables()
        self._cand_cache: dict[str, frozenset[str]] = {}
        self._one_firm_words = self._linker_words()
        self._patterns = Matcher(nlp.vocab)     # the taxonomy's raw token patterns (ORTH / LOWER: no model)
        self._opaque = False                    # a raw pattern needs the model (LEMMA, POS, DEP, ENT_TYPE...)
        if self.tagger is not None:
            for tag in self.tagger.taxonomy.tags:
                if tag.patterns:
                    self._patterns.add(tag.id, [list(p) for p in tag.patterns])
                    self._opaque = self._opaque or any(
                        str(key).upper() not in CHEAP_ATTRS for p in tag.patterns for tok in p for key in tok)
        self._anchors = self._pattern_anchors()

    # -- tables ------------------------------------------------------------------------------
    def _pattern_anchors(self) -> tuple[frozenset[int], frozenset[int], int] | None:
        """(LOWER ids, ORTH ids, most tokens before the anchor) of the raw token patterns, where each
        pattern's anchor is its first token with a fixed word (ORTH / LOWER, no OP) and only fixed-width
        tokens before it; None when a pattern has no such anchor (then the matcher reads whole texts)."""
        if self.tagger is None:
            return frozenset(), frozenset(), 0
        strings = self.nlp.vocab.strings
        lower, orth, before = set(), set(), 0
        for tag in self.tagger.taxonomy.tags:
            for pattern in tag.patterns:
                for n, tok in enumerate(pattern):
                    if "OP" in tok:
                        return None
                    key = "LOWER" if "LOWER" in tok else "ORTH" if "ORTH" in tok else None
                    value = tok.get(key) if key else None
                    words = [value] if isinstance(value, str) else (value or {}).get("IN") if isinstance(value, dict) else None
                    if words:
                        (lower if key == "LOWER" else orth).update(strings.add(w) for w in words)
                        before = max(before, n)
                        break
                else:
                    return None
        return frozenset(lower), frozenset(orth), before

    def _pattern_sentences(self, doc: Doc, lower: numpy.ndarray, orth: numpy.ndarray,
                           sent_of: numpy.ndarray, known: set[int] | frozenset[int] = frozenset()) -> set[int]:
        """Sentences where a raw token pattern's match starts. The matcher reads windows around the
        patterns' anchor words only (it costs per token read: on whole articles it was two fifths of the
        cheap pass); a window runs ANCHOR_WINDOW tokens past its anchor, more than any match spans. A window
        whose sentences are all ``known`` already (a phrase put them there) is not read: it could add none."""
        if self._anchors is None:
            return {int(sent_of[start]) for _, start, _ in self._patterns(doc)}
        lower_ids, orth_ids, before = self._anchors
        hits = numpy.flatnonzero(numpy.isin(lower, list(lower_ids)) | numpy.isin(orth, list(orth_ids))).tolist()
        windows: list[list[int]] = []
        for i in hits:
            start, end = max(0, i - before), min(len(doc), i + ANCHOR_WINDOW)
            if known and all(s in known for s in range(int(sent_of[start]), int(sent_of[end - 1]) + 1)):
                continue
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
            else:
                windows.append([start, end])
        return {int(sent_of[w_start + start]) for w_start, w_end in windows
                for _, start, _ in self._patterns(doc[w_start:w_end])}

    def _lemma_word_sets(self) -> list[list[frozenset[str]]]:
        """Each lemma pattern as its words' lower-cased alternatives: "force|forced labour|labor" ->
        [{force, forced}, {labour, labor}]."""
        if self.tagger is None:
            return []
        return [[frozenset(alt.lower() for alt in word.split("|") if alt) for word in entry.split()]
                for tag in self.tagger.taxonomy.tags for entry in tag.lemmas if entry.split()]

    def _linker_words(self) -> frozenset[str]:
        """Words the linker completes to one firm's name when the NER calls them ORG ("Samsung" ->
        "Samsung Electronics"), leaving out the dictionary words and places it refuses or rarely sees."""
        if self.gazetteer is None:
            return frozenset()
        common = self.gazetteer.common
        return frozenset(w for w, fids in self.gazetteer.linker.first_tokens.items()
                         if len(fids) == 1 and not _is_common(w, common)
                         and w.capitalize() not in PLACE_WORDS and w.upper() not in PLACE_WORDS)

    def _lemma_tables(self) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
        rules: set[tuple[str, str]] = set()
        exc: dict[str, set[str]] = {}
        for _, pipe in self.nlp.pipeline:
            lookups = getattr(pipe, "lookups", None)
            if lookups is None:
                continue
            if lookups.has_table("lemma_rules"):
                for pos_rules in lookups.get_table("lemma_rules").values():
                    rules.update((old, new) for old, new in pos_rules)
            if lookups.has_table("lemma_exc"):
                for pos_exc in lookups.get_table("lemma_exc").values():
                    for form, lemmas in pos_exc.items():
                        exc.setdefault(form.lower(), set()).update(lem.lower() for lem in lemmas)
        if not rules:   # no rule lemmatizer: the common English inflections
            rules = {("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ied", "y"),
                     ("ing", ""), ("ing", "e"), ("ying", "ie")}
        return sorted(rules), exc

    def _lemma_candidates(self, lower: str) -> frozenset[str]:
        """Every lemma the rule lemmatizer could give this word, whatever its part of speech."""
        cands = self._cand_cache.get(lower)
        if cands is None:
            found = {lower} | self._exc.get(lower, set())
            for old, new in self._rules:
                if lower.endswith(old) and len(lower) > len(old):
                    found.add(lower[: len(lower) - len(old)] + new)
            cands = frozenset(found)
            if len(self._cand_cache) > 200_000:
                self._cand_cache.clear()
            self._cand_cache[lower] = cands
        return cands

    def _lemma_trigger(self, lower: str) -> bool:
        """Could the rule lemmatizer reduce this word to the first word of a lemma pattern?"""
        return bool(self._lemma_candidates(lower) & self._lemma_first)

    def _firm_starts(self, doc: Doc, text: str, strong: list[int] | None = None) -> list[int]:
        """Gazetteer matches that pass its case rules (the ones that need no model): "next week" and
        "total" are not Next and Total. Accents are folded as the gazetteer does, but only when the text has
        any ("Telefónica"; curly quotes alone need no second pass)."""
        gaz = self.gazetteer
        if not len(gaz.matcher):
            return []
        matches = list(gaz.matcher(doc))
        if not text.isascii() and not unicodedata.is_normalized("NFD", text):
            matches = sorted(set(matches) | set(gaz._matches(doc)), key=lambda m: (m[1], m[2]))
        strings = self.nlp.vocab.strings
        out = []
        for match_id, start, end in matches:
            text = doc[start:end].text
            ok = [needs_evidence for _, surface, needs_case, needs_evidence in gaz.entries[strings[match_id]]
                  if not (needs_case and not _same_case(text, surface))
                  and not (needs_evidence and not text[:1].isupper())]
            if ok:
                out.append(start)
                if strong is not None and (not all(ok) or self._cue_near(doc, start, end)):
                    strong.append(start)
        return out

    @staticmethod
    def _cue_near(doc: Doc, start: int, end: int) -> bool:
        """A company word within five tokens (the gazetteer's evidence, as far as it needs no model)."""
        window = doc[max(0, start - 5):min(len(doc), end + 5)]
        return any(t.lower_ in COMPANY_CUES for t in window if not start <= t.i < end) or (
            end < len(doc) and doc[end].lower_ in ("'s", "’s"))

    def _lemma_starts(self, doc: Doc, starts: list[int]) -> list[int]:
        """Of the ``starts`` (tokens that could be a pattern's first lemma), those where every word of some
        lemma pattern could match, word after word."""
        out = []
        n = len(doc)
        for i in starts:
            for words in self._lemma_patterns:
                if i + len(words) <= n and all(self._could_be(doc[i + k].lower_, w) for k, w in enumerate(words)):
                    out.append(i)
                    break
        return out

    def _could_be(self, lower: str, lemmas: frozenset[str]) -> bool:
        return bool(self._lemma_candidates(lower) & lemmas)

    # -- cheap pass --------------------------------------------------------------------------
    def sentence_starts(self, arr: numpy.ndarray) -> numpy.ndarray:
        """Which tokens start a sentence: spaCy's rule ``Sentencizer`` (the first word after a sentence-final
        character: ". ! ?" and its other scripts' kin), plus a line break ending one (headings, lists).
        The same answer as running the ``Sentencizer``, in numpy rather than a Python loop per token
        (tests/test_nlp_speed_paths.py compares them); ``arr``: the cheap pass's token array."""
        n = len(arr)
        strings = self.nlp.vocab.strings
        orth, is_space, is_punct = arr[:, 0], arr[:, 2] != 0, arr[:, 5] != 0
        ender_ids = [h for h in numpy.unique(orth).tolist() if strings[h] in self.sentencizer.punct_chars]
        ender = numpy.isin(orth, ender_ids)
        word = ~is_punct & ~ender
        # for each token, the first word at or after it (n: none)
        next_word = numpy.minimum.accumulate(numpy.where(word, numpy.arange(n), n)[::-1])[::-1]
        starts = numpy.zeros(n, dtype=bool)
        starts[0] = True
        after = numpy.flatnonzero(ender[:-1]) + 1
        follow = next_word[after]
        starts[follow[follow < n]] = True
        for i in numpy.flatnonzero(is_space[:-1]).tolist():
            if "\n" in strings[int(orth[i])]:
                starts[i + 1] = True
        return starts

    def cheap(self, text: str) -> CheapField:
        doc = self.nlp.make_doc(text)
        if len(doc) == 0:
            return CheapField(text, doc, [], set(), set(), set(), False)
        arr = doc.to_array([ORTH, LOWER, IS_SPACE, IDX, LENGTH, IS_PUNCT])
        orth, lower = arr[:, 0], arr[:, 1]
        is_start = self.sentence_starts(arr)
        sent_of = numpy.cumsum(is_start) - 1
        first = numpy.flatnonzero(is_start)
        last = numpy.append(first[1:], len(doc)) - 1
        sents = list(zip(arr[first, 3].tolist(), (arr[last, 3] + arr[last, 4]).tolist()))
        strings = self.nlp.vocab.strings
        firm, issue, org = set(), set(), set()
        strong_firm = False
        if self.gazetteer is not None:
            strong: list[int] = []
            firm.update(int(sent_of[start]) for start in self._firm_starts(doc, text, strong))
            strong_firm = bool(strong)
            words = {h: strings[h] for h in numpy.unique(orth).tolist()}
            hits = [h for h, w in words.items() if w[:1].isupper() and w.isalpha()
                    and (w.lower() in self._one_firm_words or w.lower() in LEGAL_FORMS)]
            for i in numpy.flatnonzero(numpy.isin(orth, hits)).tolist():
                low = doc[i].lower_
                if low in self._one_firm_words:
                    firm.add(int(sent_of[i]))
                elif i > 0:
                    org.add(int(sent_of[i]))
        if self.tagger is not None:
            issue.update(int(sent_of[start]) for _, start, _ in self.tagger.phrase_matcher(doc))
            if self._opaque:        # the taxonomy has a pattern the cheap pass cannot run: read everything
                issue.update(range(len(sents)))
            elif len(self._patterns):
                issue.update(self._pattern_sentences(doc, lower, orth, sent_of, known=issue))
            if self._lemma_first:
                lows = {h: strings[h] for h in numpy.unique(lower).tolist()}
                hits = [h for h, w in lows.items() if w.isalpha() and self._lemma_trigger(w)]
                starts = numpy.flatnonzero(numpy.isin(lower, hits)).tolist()
                issue.update(int(sent_of[i]) for i in self._lemma_starts(doc, starts))
        return CheapField(text, doc, sents, firm, issue, org, strong_firm)

    def plan(self, record: dict, fields: tuple[str, ...] = ("title", "text")) -> list[tuple[str, FieldLayout]]:
        """One (model text, layout) per field: the first field (the title) whole, the others cut to their
        relevant sentences. Context sentences around issues are added only when the record has a *strong*
        firm candidate (a tracked name that needs no NER evidence, or has a company word near it)."""
        cheap = [self.cheap(record.get(fld) or "") for fld in fields]
        strong_firm = any(c.strong_firm for c in cheap)
        out = []
        for n, c in enumerate(cheap):
            if n == 0:          # the title: short, and its organisations and places are reported
                keep = ner = set(range(len(c.sents)))
            else:
                keep = c.firm | c.issue | c.org
                ner = c.firm | c.org
                if strong_firm:     # a firm the NER + linker find next to an issue still scores with it
                    for i in c.issue:
                        around = range(max(0, i - self.context), min(len(c.sents), i + self.context + 1))
                        keep.update(around)
                        ner.update(j for j in around if j != i)
            out.append(self._model_text(c.text, c, keep, ner))
        return out

    def _model_text(self, text: str, c: CheapField, keep: set[int],
                    ner: set[int]) -> tuple[str, FieldLayout]:
        parts, layout_runs, pos = [], [], 0
        for start, end in _sentence_runs(keep, c.sents):
            if parts:
                parts.append(SEPARATOR)
                pos += len(SEPARATOR)
            parts.append(text[start:end])
            layout_runs.append((pos, start, end - start))
            pos += end - start
        # the sentences the NER reads, in model-text offsets (ner is a subset of keep, so each run of them
        # lies inside one run of the model text)
        ner_runs = []
        for start, end in _sentence_runs(ner, c.sents):
            local = _to_model(layout_runs, start)
            ner_runs.append((local, local + end - start))
        places = []
        if self.places is not None:
            self.places(c.doc)
            places = list(c.doc._.rr_places or [])
        layout = FieldLayout(sent_starts=[s for s, _ in c.sents], runs=layout_runs, places=places,
                             ner_runs=ner_runs)
        return "".join(parts), layout


def _sentence_runs(indices: set[int], sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The chosen sentences as (field start, field end) runs, adjacent sentences merged."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indices):
        start, end = sents[i]
        if runs and i - 1 in indices:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _to_model(layout_runs: list[tuple[int, int, int]], field_char: int) -> int:
    """Field offset of a kept character -> its offset in the model text."""
    for local, glob, length in layout_runs:
        if glob <= field_char < glob + length:
            return local + field_char - glob
    raise ValueError(f"character {field_char} is not in the model text")


def _component(nlp: Language, factory: str):
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory == factory:
            return nlp.get_pipe(name)
    return None
