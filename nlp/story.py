"""spaCy component ``rightsradar_story_v1``: each company mention's role, and the sentence cues that decide
the story type. Simple rules over the dependency parse; runs after the gazetteer and the issue tagger.

Roles (strongest first): ``accused`` > ``linked`` (buyer, investor, supplier, financier of the accused) >
``commentator`` (speaks about the issue without being at its centre, or announces its own action) >
``passing``.

* A firm that denies / rejects / declines to comment / did not respond is answering an allegation: role
  ``accused``, and the sentence is a *company response*.
* A firm in a sentence with an asserted issue or an accusation verb ("accused", "alleged", "sued") is
  ``accused``, unless a buyer/investor/supplier word governs it ("investors, including BlackRock") -> ``linked``.
* A firm that is the subject of "said"/"told" with no issue -> ``commentator``; of "pledged"/"launched a
  policy"/"committed" -> ``commentator`` and the sentence is a *company action*.

``doc._.rr_story`` = {"sentences": [{"start", "end", "types": [...]}], "counts": {type: n}}.
Use :func:`story_type` to combine a title's and a body's counts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .extensions import ensure_extensions, link_key

ROLE_RANK = {"accused": 3, "linked": 2, "commentator": 1, "passing": 0}
STORY_TYPES = ("company response", "allegation", "company action", "background")

RESPONSE_VERBS = frozenset({"deny", "reject", "dispute", "refute", "respond", "reply", "acknowledge",
                            "apologise", "apologize", "decline", "contest", "rebut", "admit"})
RESPONSE_PHRASES = ("declined to comment", "did not respond", "did not reply", "didn't respond",
                    "no response", "not respond", "in a statement", "in a response", "not immediately respond")
ACCUSE_VERBS = frozenset({"accuse", "allege", "blame", "implicate", "sue", "charge", "fine", "condemn",
                          "criticise", "criticize", "expose", "name", "link", "tie", "investigate", "complicit",
                          "allegation", "lawsuit", "complaint", "profit"})
SAY_VERBS = frozenset({"say", "tell", "state", "comment", "note", "add", "explain", "argue", "welcome",
                       "write", "claim"})
ACTION_VERBS = frozenset({"pledge", "commit", "launch", "adopt", "introduce", "announce", "join", "publish",
                          "sign", "implement", "establish", "create", "set", "promise", "vow"})
ACTION_OBJECTS = frozenset({"policy", "commitment", "code", "initiative", "programme", "program", "fund",
                            "remedy", "compensation", "plan", "standard", "principle", "audit", "pledge",
                            "target", "due", "diligence", "partnership", "framework", "statement", "report"})
LINK_WORDS = frozenset({"investor", "invest", "stake", "shareholder", "buyer", "buy", "customer", "client",
                        "source", "supplier", "supply", "finance", "financier", "lender", "lend", "fund",
                        "purchase", "brand", "including"})
COMPANY_NOUNS = frozenset({"company", "firm", "spokesperson", "spokesman", "spokeswoman", "representative",
                           "group", "manufacturer", "maker", "retailer", "brand", "giant", "operator"})


def _governors(tok: Token, depth: int = 3) -> list[Token]:
    out, cur = [], tok
    for _ in range(depth):
        if cur.head is cur:
            break
        cur = cur.head
        out.append(cur)
    return out


def _subject_verb(tok: Token) -> Token | None:
    """The verb a mention is the subject of (through conjunctions and appositions)."""
    cur = tok
    while cur.dep_ in ("conj", "appos", "compound") and cur.head is not cur:
        cur = cur.head
    if cur.dep_ in ("nsubj", "nsubjpass"):
        return cur.head
    return None


def _verb_chain(verb: Token) -> list[Token]:
    """'declined to comment' -> [declined, comment]; 'did not respond' -> [respond]."""
    out = [verb]
    out.extend(c for c in verb.children if c.dep_ in ("xcomp", "conj"))
    return out


class StoryAnnotator:
    def __init__(self, nlp: Language, name: str = "rightsradar_story_v1", *,
                 companies_key: str = "companies", issues_key: str = "issues"):
        ensure_extensions()
        self.nlp = nlp
        self.name = name
        self.companies_key = companies_key
        self.issues_key = issues_key

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *,
                   nlp: Language | None = None) -> None:
        return None

    def __call__(self, doc: Doc) -> Doc:
        has_sents = doc.has_annotation("SENT_START")
        sents = list(doc.sents) if has_sents else [doc[:]]
        companies = list(doc.spans[self.companies_key]) if self.companies_key in doc.spans else []
        issues = [r for r in (doc._.rr_issues or [])]
        links = doc._.rr_links or {}
        sent_records = []
        for sent in sents:
            s_comp = [c for c in companies if sent.start <= c.start < sent.end]
            s_issues = [r for r in issues if sent.start <= r["token_start"] < sent.end]
            asserted = [r for r in s_issues if r["polarity"] == "asserted"]
            prevention = [r for r in s_issues if r["polarity"] == "prevention"]
            lemmas = {t.lemma_.lower() for t in sent}
            text_lower = sent.text.lower()
            accusation = bool(lemmas & ACCUSE_VERBS)
            types: set[str] = set()
            # sentence-level response cue with a company-like subject ("the company declined to comment")
            company_subjects = [t for t in sent if t.dep_ in ("nsubj", "nsubjpass")
                                and (t.lemma_.lower() in COMPANY_NOUNS or any(c.start <= t.i < c.end for c in s_comp))]
            response_cue = any(v.lemma_.lower() in RESPONSE_VERBS
                               for t in company_subjects for v in _verb_chain(t.head))
            if response_cue or (company_subjects and any(p in text_lower for p in RESPONSE_PHRASES)):
                types.add("company response")
            for comp in s_comp:
                key = link_key(comp.start, comp.end, comp.kb_id_)
                info = links.get(key)
                if info is None:
                    continue
                role = self._role(comp, asserted, prevention, accusation)
                if role == "response":
                    role = "accused"
                    types.add("company response")
                elif role == "action":
                    role = "commentator"
                    types.add("company action")
                if ROLE_RANK[role] > ROLE_RANK.get(info.get("role", "passing"), 0):
                    info["role"] = role
            if "company response" not in types and (
                    (asserted and any(r["severity"] >= 2 for r in asserted)) or (accusation and s_comp)):
                types.add("allegation")
            if prevention and (s_comp or company_subjects):
                types.add("company action")
            sent_records.append({"start": sent.start_char, "end": sent.end_char, "types": sorted(types)})
        counts = {t: sum(t in r["types"] for r in sent_records) for t in STORY_TYPES[:3]}
        # A story has a company at its centre when a tracked firm is named, or an untracked organisation
        # is accused / linked (an NGO or a ministry merely quoted does not count).
        has_company = any(c.kb_id_ for c in companies) or any(
            (links.get(link_key(c.start, c.end, c.kb_id_)) or {}).get("role") in ("accused", "linked")
            for c in companies)
        doc._.rr_story = {"sentences": sent_records, "counts": counts, "has_company": has_company}
        return doc

    @staticmethod
    def _role(comp: Span, asserted: list[dict], prevention: list[dict], accusation: bool) -> str:
        root = comp.root
        verb = _subject_verb(root)
        if verb is not None:
            chain = _verb_chain(verb)
            vlemmas = {v.lemma_.lower() for v in chain}
            if vlemmas & RESPONSE_VERBS:
                return "response"
            if vlemmas & ACTION_VERBS and (
                    any(o.lemma_.lower() in ACTION_OBJECTS for v in chain for o in v.subtree) or prevention):
                return "action"
        near = _governors(root) + [c for c in root.children if c.dep_ in ("appos", "amod", "compound")]
        near += [gc for c in root.children if c.dep_ == "appos" for gc in c.children]
        if any(t.lemma_.lower() in LINK_WORDS for t in near):
            return "linked"
        if asserted or accusation:
            if asserted or verb is None or verb.lemma_.lower() not in SAY_VERBS:
                return "accused"
        if verb is not None and verb.lemma_.lower() in SAY_VERBS:
            return "commentator"
        return "passing"

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "StoryAnnotator":
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "StoryAnnotator":
        return self


def story_type(title_counts: dict[str, int], text_counts: dict[str, int], has_company: bool) -> str:
    """Combine sentence cues: a title cue counts double; a response outranks an allegation on ties
    (a response story restates the allegation it answers); no company and no cue -> background."""
    if not has_company:
        return "background"
    weights = {t: 2 * title_counts.get(t, 0) + text_counts.get(t, 0) for t in STORY_TYPES[:3]}
    best = max(STORY_TYPES[:3], key=lambda t: (weights[t], -STORY_TYPES.index(t)))
    return best if weights[best] > 0 else "background"


@Language.factory("rightsradar_story_v1", default_config={"companies_key": "companies", "issues_key": "issues"})
def make_story(nlp: Language, name: str, companies_key: str, issues_key: str) -> StoryAnnotator:
    return StoryAnnotator(nlp, name, companies_key=companies_key, issues_key=issues_key)
