"""spaCy component ``rightsradar_issue_tagger_v1``: the issue taxonomy matched on phrases and lemmas.

Each match becomes a span in ``doc.spans[spans_key]`` (label = tag id) and a record in ``doc._.rr_issues``
with the evidence sentence and a polarity:

* ``asserted``   the text says the abuse happened or is alleged ("denied using child labour" stays asserted,
                 with ``denied: True``: a denied allegation is still an allegation);
* ``negated``    "no evidence of forced labour", "does not tolerate child labour", "free of forced labour";
* ``prevention`` "a policy against child labour", "efforts to eradicate forced labour" (company action,
                 not an allegation);
* ``hypothetical`` "if workers were injured", "could face torture", "at risk of torture";
* ``background``   a killing or an abduction named once, as a noun, in a longer text (see ``_mark_background``).

Killings are checked further: a threat ("we will kill you") becomes Death threats, a death from a disease or
a disaster ("the outbreak has killed 3,100", "killed in a building fire") becomes Deaths, and an attempt
("attempted murder") or a non-human victim ("killed dogs") is dropped. Obituary deaths ("dies at 84") and
names of mandates ("Special Rapporteur on torture") are dropped too.

Tags marked ``right: true`` name a right ("living wage", "free, prior and informed consent"): a negated
mention ("without their consent") is the abuse itself and stays asserted, while a protected or promoted
one ("set up to protect freedom of expression") is ``prevention`` (for any tag: "protect privacy").

Only ``asserted`` matches count as allegations. Verb lemmas that are often figurative ("kill", "die",
"detain", "evict", "harass") need a human participant (workers, people, a person, a number...).
"""
from __future__ import annotations

import json
from itertools import product
from pathlib import Path
from typing import Callable, Iterable

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from .extensions import ensure_extensions
from .taxonomy import Tag, Taxonomy, load_taxonomy, taxonomy_from_dict, taxonomy_to_dict

NEGATORS = frozenset({"no", "not", "n't", "never", "without", "none", "nor", "zero"})
NEG_HEADS = frozenset({"free", "absence", "lack"})     # "free of forced labour", "absence of child labour"
PREVENTION = frozenset({
    "prevent", "prohibit", "ban", "combat", "eradicate", "eliminate", "tackle", "fight", "avoid", "end",
    "stop", "address", "oppose", "against", "tolerate", "tolerance", "prevention", "elimination",
    "eradication", "mitigate", "remediate", "reduce", "abolish", "abolition", "prohibition",
})
ALLEGATION_CUES = frozenset({"accuse", "allege", "allegation", "fail", "failure", "complicit", "claim"})
HYPOTHETICAL_MARKS = frozenset({"if", "whether", "unless"})
# "could face torture", "her partner would kill her", "at risk of torture", "fear they will be killed":
# a modal or a risk word governing the match makes it hypothetical.
HYPOTHETICAL_MODALS = frozenset({"may", "might", "could", "would", "should"})
RISK_WORDS = frozenset({"risk", "vulnerable", "fear", "danger", "threaten", "likely", "potential", "possible"})
# "the outbreak has killed 3,100", "killed in a building fire": deaths with no human perpetrator are Deaths.
NON_VIOLENT_CAUSES = frozenset({
    "outbreak", "virus", "coronavirus", "covid", "covid-19", "disease", "pandemic", "epidemic", "fire", "blaze",
    "flood", "floods", "storm", "earthquake", "accident", "crash", "collapse", "explosion", "blast", "avalanche",
    "cyclone", "hurricane", "landslide", "heatwave", "heat", "illness", "cancer",
})
# A blast or a fire set off by someone is violence ("killed in a car bomb blast").
WEAPON_WORDS = frozenset({"bomb", "car-bomb", "suicide", "rocket", "missile", "grenade", "drone", "mortar",
                          "shell", "arson", "petrol-bomb", "ied", "terror", "terrorist"})
# "we will kill you", "told that they will be killed": a threat to kill is a Death threat, not a killing.
THREAT_AUX = frozenset({"will", "'ll", "shall", "gon"})
# "attempted murder", "an assassination attempt": nobody was killed.
ATTEMPT_WORDS = frozenset({"attempt", "attempted", "try", "plot", "foil", "foiled", "thwart", "thwarts",
                           "thwarted"})
MADE_ATTEMPT_WORDS = frozenset({"attempt", "attempted", "try"})
ATTEMPT_TAGS = frozenset({"killings", "abduction"})     # "kidnap plot", "Thwarts Kidnapping": nobody was taken
VIOLENCE_TAGS = frozenset({"killings", "beatings-violence"})
# Tags whose single passing mention in a longer text is background (see _mark_background).
BACKGROUND_TAGS = frozenset({"killings", "abduction"})
BACKGROUND_MIN_SENTS = 4      # a headline of two or three sentences is not a longer text
CONFLICT_TAGS = VIOLENCE_TAGS | {"security-conflict-general", "protests", "genocide", "death-penalty"}
KILL_LEMMAS = frozenset({"kill", "murder", "assassinate", "assassination", "killing"})
# Names of bodies and mandates ("UN Special Rapporteur on torture") are not allegations.
INSTITUTION_NOUNS = frozenset({"facility", "service", "clinic", "hospital", "ward", "unit", "department",
                               "ministry", "centre", "center", "helpline", "charity", "app"})
MANDATE_WORDS = frozenset({"rapporteur", "convention", "committee", "organisation", "organization", "day"})
HUMAN_WORDS = frozenset(
    "worker workers people person man men woman women child children villager villagers activist activists "
    "journalist journalists miner miners employee employees protester protesters protestor demonstrator "
    "resident residents farmer farmers member members leader leaders defender defenders civilian civilians "
    "student students guard guards officer officers soldier soldiers lawyer lawyers family families "
    "community communities dissident dissidents critic critics victim victims thousand thousands hundred "
    "hundreds dozen dozens staff labourer labourers laborer laborers girl girls boy boys he she they who "
    "we i them him her us you inmate inmates prisoner prisoners worker's national nationals citizen citizens "
    "migrant migrants refugee refugees "
    # kin, ages and everyday roles: "my brother was killed", "two drivers were abducted"
    "brother brothers sister sisters son sons daughter daughters father fathers mother mothers husband husbands "
    "wife wives parent parents relative relatives cousin cousins nephew niece uncle aunt grandfather grandmother "
    "teenager teenagers youth youths adult adults baby babies infant infants toddler pupil pupils teacher teachers "
    "doctor doctors nurse nurses priest priests pastor pastors imam monk monks nun nuns driver drivers trader "
    "traders passenger passengers tourist tourists patient patients hostage hostages captive captives "
    "policeman policemen policewoman cop cops operative operatives individual individuals couple "
    "detainee detainees protesters' farmer's herder herders fisherman fishermen trucker truckers "
    # people named by what they do in public life: "the reporter was killed", "supporters have been arrested"
    "reporter reporters correspondent correspondents editor editors writer writers author authors poet poets "
    "blogger bloggers photographer photographers photojournalist photojournalists cartoonist cartoonists "
    "supporter supporters colleague colleagues fan fans voter voters opponent opponents politician politicians "
    "lawmaker lawmakers official officials mayor mayors senator senators minister ministers candidate candidates "
    "campaigner campaigners demonstrators protestors unionist unionists striker strikers mp mps "
    "practitioner practitioners believer believers worshipper worshippers".split()
)
HUMAN_ENTS = frozenset({"PERSON", "NORP", "CARDINAL"})
HUMAN_ROLES_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "agent", "pobj"})
NEEDS_HUMAN_LEMMAS = frozenset({"die", "kill", "murder", "martyr", "assassinate", "detain", "imprison", "jail",
                                "evict", "harass", "intimidate", "disappear", "injure", "arrest", "rearrest", "wound"})
# Who was arrested decides whether an arrest is a rights issue: a journalist, an activist, an opposition figure
# (or a named person, or anyone in a sentence about protest or speech) is; suspects held for a crime are not
# ("arrested on kidnapping charge", "jailed for a mask scam", "detained the owner of the hostel").
ARREST_LEMMAS = frozenset({"arrest", "rearrest"})
DETENTION_VERBS = frozenset({"arrest", "rearrest", "detain", "imprison", "jail"})
EXPRESSION_PEOPLE = frozenset(
    "journalist journalists reporter reporters correspondent correspondents editor editors writer writers "
    "author authors poet poets blogger bloggers photographer photographers photojournalist photojournalists "
    "intellectual intellectuals cartoonist cartoonists satirist satirists media press broadcaster".split())
UNION_PEOPLE = frozenset("unionist unionists trade-unionist union unions striker strikers".split())
PROTECTED_PEOPLE = EXPRESSION_PEOPLE | UNION_PEOPLE | frozenset(
    "activist activists dissident dissidents critic critics defender defenders lawyer lawyers opposition "
    "protester protesters protestor protestors demonstrator demonstrators politician politicians lawmaker "
    "lawmakers mp mps campaigner campaigners rights".split())
POLITICAL_CUES = frozenset(
    "protest protests protester protesters demonstration demonstrations rally rallies sedition seditious "
    "subversion subversive dissent criticism critical critic critics tweet tweets post posts facebook coverage "
    "reporting interview crackdown opposition activist activists junta coup regime political politically "
    "security-law blogger journalist journalists strike strikes pro-democracy democracy anti-government "
    "book books speech incite inciting incitement dissident dissidents".split())
CRIME_CUES = frozenset(
    "fraud scam theft robbery robber murder kidnap kidnapping kidnapper drug drugs rape smuggling trafficking "
    "burglary stolen steal extortion suspect suspects suspected shooting stabbing bribery embezzlement "
    "manslaughter poisoning poisonings extradite extradited gun guns shotgun firearm firearms corruption".split())
# A negation above one of these clause links is about another statement: in "X had not addressed
# their findings: that women faint", the fainting is still alleged. Nouns that report evidence
# ("no evidence that workers were forced") do carry their negation into the clause.
CLAUSE_DEPS = frozenset({"ccomp", "acl", "relcl", "advcl", "appos", "parataxis"})
EVIDENCE_NOUNS = frozenset({"evidence", "proof", "sign", "indication", "trace", "case", "report", "instance"})
# A right that is protected or promoted ("set up to protect and advance freedom of expression and
# privacy") is not an abuse: these governors make the mention ``prevention``.
RIGHT_SUPPORT = frozenset({"protect", "advance", "promote", "respect", "uphold", "defend", "guarantee",
                           "safeguard", "champion"})
# "dies at 84", "died aged 95": a natural death in an obituary headline, not a death from abuse or accident.
OBITUARY_MARKS = frozenset({"at", "aged", "age"})
# A negated predicate negates its arguments ("did not use child labour", "no evidence of torture", "not
# involved in"), not what a preposition like these attaches ("demands including unpaid salaries were not
# met", "have not learnt lessons from the factory fire", "no arrests after the killings").
NEGATION_BLOCKING_PREPS = frozenset({"from", "including", "despite", "after", "since", "during", "following",
                                     "amid", "like", "than", "over", "regarding", "about", "before", "besides",
                                     "because", "until"})
# Relative pronouns stand for the noun their clause describes ("the outbreak that has killed 3,100").
RELATIVE_PRONOUNS = frozenset({"that", "which", "who", "whom"})
# A thing, not a person, as the one killed ("Buhari has finally killed it").
NON_HUMAN_PRONOUNS = frozenset({"it", "this"})
# Workplace strike words: a protest only when the sentence is not about the workers' own demands (labelling
# rule: "a strike with no abuse alleged is no protest"; "Strikers demanded a pay increase" is Labour).
STRIKE_WORDS = frozenset({"strike", "strikes", "striker", "strikers", "walkout", "walkouts"})
PROTEST_STRIKES = frozenset({"hunger", "general", "national", "nationwide"})
# "sanctioned by law", "state-sanctioned killings": sanctioned as approved, not as punished.
# A protection that is lacking is the harm itself ("lack of COVID-19 protections", "no protective equipment"),
# as for the tags marked right: true.
PROTECTION_WORDS = frozenset({"protection", "protections", "protective", "safety", "safeguard", "safeguards",
                              "equipment", "measures", "consent", "consultation", "access"})
# "trade union(s)", "labour union" name an institution: Labour: General only in a sentence about a dispute, a
# right or a harm, not in a union's history or a customer list ("the father of the Indian trade union movement").
UNION_DISPUTE_WORDS = frozenset(
    "strike strikes striking striker strikers dispute disputes wage wages pay salary salaries dismiss dismissed "
    "dismissal sack sacked fire fired layoff layoffs bargain bargaining negotiate negotiations demand demands "
    "demanded right rights protest protests protested victimise victimize victimisation repression repress "
    "crackdown ban banned arrest arrested detained harassment harass threat threats attack attacked killed "
    "condition conditions exploitation abuse abuses violation violations unfair member members organise "
    "organize organising organizing recognition recognise recognize busting oppose opposed condemn condemned "
    "blast blasts accuse accused warn warned call called".split())
# A detention in a sentence that reports a denial of free expression is that denial's ("Blogger gets 7.5 years
# in prison for Facebook post", "Journalist Jailed Over Tweet"): an arbitrary detention.
DETENTION_LEMMAS = frozenset({"jail", "prison", "imprison", "imprisonment", "detain", "detention", "arrest",
                              "custody", "jailed", "imprisoned", "detained", "arrested"})   # title case: no lemma
APPROVAL_AGENTS = frozenset({"law", "laws", "state", "court", "courts", "church", "constitution", "religion",
                             "tradition", "custom", "parliament", "authority", "authorities"})


def ensure_candidate_extension() -> None:
    """``doc._.rr_issue_candidates``: (token start, token end, tag id) of every taxonomy match before the checks."""
    if not Doc.has_extension("rr_issue_candidates"):
        Doc.set_extension("rr_issue_candidates", default=None)


def _case_forms(word: str) -> list[str]:
    return sorted({word, word.lower(), word.capitalize(), word.upper()})


def lemma_pattern(entry: str) -> list[dict]:
    """"force|forced labour|labor" -> [{"LEMMA": {"IN": [force, Force, ...]}}, {"LEMMA": {"IN": [...]}}]."""
    return [{"LEMMA": {"IN": sorted({f for alt in word.split("|") for f in _case_forms(alt)})}}
            for word in entry.split()]


def lemma_docs(vocab, entry: str) -> list[Doc]:
    """The same lemma sequences as :func:`lemma_pattern`, spelled out as docs for a ``PhraseMatcher`` on
    ``LEMMA`` ("force|forced labour|labor" -> force labour, forced labour, Force Labour, ...)."""
    options = [sorted({f for alt in word.split("|") if alt for f in _case_forms(alt)}) for word in entry.split()]
    return [Doc(vocab, words=list(words), lemmas=list(words)) for words in product(*options)]


class IssueTagger:
    def __init__(self, nlp: Language, name: str = "rightsradar_issue_tagger_v1", *, spans_key: str = "issues"):
        ensure_extensions()
        ensure_candidate_extension()
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.taxonomy = Taxonomy(tags=())
        self._build()

    # -- data ----------------------------------------------------------------------------------
    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None,
                   taxonomy: Taxonomy | dict | None = None, taxonomy_path: str | Path | None = None) -> None:
        if isinstance(taxonomy, dict):
            taxonomy = taxonomy_from_dict(taxonomy)
        self.set_taxonomy(taxonomy or load_taxonomy(taxonomy_path))

    def set_taxonomy(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._build()

    def _build(self) -> None:
        self.tags: dict[str, Tag] = self.taxonomy.by_id()
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # Lemma entries go to a PhraseMatcher on LEMMA (the same matches as one token pattern per entry,
        # checked equal on 558 texts; a doc without lemmas matches nothing instead of raising); the Matcher
        # keeps only the raw token patterns.
        self.lemma_matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.matcher = Matcher(self.nlp.vocab)
        self.lemma_keys: set[str] = set()
        for tag in self.taxonomy.tags:
            if tag.phrases:
                self.phrase_matcher.add(tag.id, list(self.nlp.tokenizer.pipe(tag.phrases)))
            for i, entry in enumerate(tag.lemmas):
                key = f"{tag.id}#lemma{i}"
                docs = lemma_docs(self.nlp.vocab, entry)
                if docs:
                    self.lemma_matcher.add(key, docs)
                    self.lemma_keys.add(key)
            if tag.patterns:
                self.matcher.add(f"{tag.id}#pattern", [list(p) for p in tag.patterns])

    # -- processing ----------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        found: dict[tuple[int, int, str], str] = {}      # (start, end, tag id) -> "phrase" | "lemma" | "pattern"
        for match_id, start, end in self.phrase_matcher(doc):
            found[(start, end, strings[match_id])] = "phrase"
        for match_id, start, end in (self.lemma_matcher(doc) if len(self.lemma_matcher) else ()):
            found.setdefault((start, end, strings[match_id].split("#", 1)[0]), "lemma")
        for match_id, start, end in (self.matcher(doc) if len(self.matcher) else ()):
            found.setdefault((start, end, strings[match_id].split("#", 1)[0]), "pattern")
        # A match strictly inside a longer phrase is dropped ("killed in an accident" is Deaths, not
        # Killings); a longer lemma or token pattern only absorbs its own tag's matches, since it adds a
        # reading ("detained a journalist" is Denial of freedom of expression and still Arbitrary detention).
        keys = sorted(found, key=lambda k: (k[0], -(k[1] - k[0])))
        kept = [k for k in keys if not any(o[0] <= k[0] and k[1] <= o[1] and (o[1] - o[0]) > (k[1] - k[0])
                                           and (found[o] == "phrase" or o[2] == k[2]) for o in keys)]
        # Every match before the checks below, for rightsradar_issue_classifier_v1 (nlp/issue_classifier.py)
        doc._.rr_issue_candidates = kept
        has_sents = doc.has_annotation("SENT_START")
        has_parse = doc.has_annotation("DEP")
        spans, records = [], []
        for start, end, tag_id in kept:
            span = doc[start:end]
            if (found[(start, end, tag_id)] != "phrase" and has_parse and not _human_ok(span)) or _obituary(span):
                continue
            if tag_id in ATTEMPT_TAGS and has_parse and _attempted(span):
                if tag_id != "killings" or "beatings-violence" not in self.tags or not _attack_made(span):
                    continue
                tag_id = "beatings-violence"     # an attempt on a life: violence, though no one died
            if has_parse and (_mandate_name(span) or _figurative_adjective(span) or _institution_name(span)):
                continue
            if tag_id == "sanctions" and has_parse and _approval(span):
                continue
            if tag_id == "labour-general" and "union" in span.text.lower() and not _union_dispute(span):
                continue
            if tag_id == "disappearances" and has_parse and _thing_disappeared(span):
                continue
            if span.text.lower() in ("shooting", "shootings") and not _named_shooting(span):
                continue
            if tag_id == "arbitrary-detention" and has_parse and found[(start, end, tag_id)] != "phrase" \
                    and not _detention_ok(span):
                continue
            if tag_id == "killings" and has_parse:
                if _non_human_victim(span):
                    continue
                if "deaths" in self.tags and _non_violent_cause(span):
                    tag_id = "deaths"
                elif "death-threats" in self.tags and _threat(span):
                    tag_id = "death-threats"
            tag = self.tags[tag_id]
            sent = span.sent if has_sents else doc[:]
            polarity, denied = _polarity(span, has_parse)
            if polarity == "negated" and (tag.right or PROTECTION_WORDS & {t.lower_ for t in span}):
                polarity = "asserted"     # "without their consent", "lack of COVID-19 protections": the abuse
            if polarity == "asserted" and _anti(span) and (tag.family_id != "discrimination"
                                                         or span.text.lower() in ANTI_HARMS):
                polarity = "prevention"   # "an anti-corruption agency", "anti-racism activists": against the harm
            if tag.right and polarity == "prevention":
                polarity = "asserted"     # "no living wage", "ban protests": about the right itself
            if polarity == "asserted" and has_parse and _supported(span):
                polarity = "prevention"   # "protect and advance freedom of expression", "protect privacy"
            spans.append(Span(doc, start, end, label=tag_id))
            records.append({
                "tag": tag.name, "tag_id": tag.id, "family": tag.family, "family_id": tag.family_id,
                "severity": tag.severity, "text": span.text, "start": span.start_char, "end": span.end_char,
                "token_start": start, "token_end": end,
                "sent_start": sent.start_char, "sent_end": sent.end_char, "evidence": sent.text.strip(),
                "polarity": polarity, "negated": polarity != "asserted", "denied": denied,
            })
        if has_parse and "arbitrary-detention" in self.tags:
            self._detentions_for_expression(doc, spans, records)
            self._who_was_detained(doc, spans, records)
        if has_parse and has_sents:
            _mark_background(doc, spans, records)
        # Injuries in a sentence that reports a killing or a beating are the violence's, not a workplace's
        # ("a shooter killed 9 and injured 25"); deaths in a sentence about violence, war or protest are
        # its victims, not deaths from an accident or a product ("Iran protest death toll could top 30,000").
        violent = {r["sent_start"] for r in records if r["tag_id"] in VIOLENCE_TAGS and not r["negated"]}
        conflict = {r["sent_start"] for r in records if r["tag_id"] in CONFLICT_TAGS and not r["negated"]}
        # A workplace strike in a sentence about the workers' demands is a labour dispute, not a protest
        # ("Strikers demanded a pay increase"); a hunger strike or a general strike stays a protest.
        labour = {r["sent_start"] for r in records if r["family_id"] == "labour" and not r["negated"]}
        keep = [not ((r["tag_id"] == "injuries" and r["sent_start"] in violent)
                     or (r["tag_id"] == "deaths" and r["sent_start"] in conflict)
                     or (r["tag_id"] == "protests" and r["sent_start"] in labour and _workplace_strike(sp)))
                for sp, r in zip(spans, records)]
        # Injuries from an attack, a riot or a clash are Beatings & violence (labelling rule), not a workplace's:
        # "officers injured after protesters began hurling stones", "injuries consistent with blunt force trauma".
        if "beatings-violence" in self.tags:
            tag = self.tags["beatings-violence"]
            for n, (sp, r) in enumerate(zip(spans, records)):
                if keep[n] and r["tag_id"] == "injuries" and (r["sent_start"] in conflict or _attack_words(sp)):
                    spans[n] = Span(doc, sp.start, sp.end, label=tag.id)
                    records[n] = {**r, "tag": tag.name, "tag_id": tag.id, "family": tag.family,
                                  "family_id": tag.family_id, "severity": tag.severity}
        doc.spans[self.spans_key] = [sp for sp, k in zip(spans, keep) if k]
        doc._.rr_issues = [r for r, k in zip(records, keep) if k]
        return doc

    def _detentions_for_expression(self, doc: Doc, spans: list[Span], records: list[dict]) -> None:
        """A jail, prison or arrest word in a sentence with an asserted denial of free expression is an
        arbitrary detention, whatever the detained person is called ("Blogger gets 7.5 years in prison for
        Facebook post"); a prison term for fraud stays no issue."""
        expression = {r["sent_start"] for r in records
                      if r["tag_id"] == "freedom-of-expression" and r["polarity"] == "asserted"}
        held = {r["sent_start"] for r in records if r["tag_id"] == "arbitrary-detention"}
        tag = self.tags["arbitrary-detention"]
        for sent in (doc.sents if doc.has_annotation("SENT_START") else [doc[:]]):
            if sent.start_char not in expression or sent.start_char in held:
                continue
            tok = next((t for t in sent if t.lemma_.lower() in DETENTION_LEMMAS or t.lower_ in DETENTION_LEMMAS), None)
            if tok is None:
                continue
            span = doc[tok.i:tok.i + 1]
            polarity, denied = _polarity(span, True)
            if polarity != "asserted":
                continue
            spans.append(Span(doc, tok.i, tok.i + 1, label=tag.id))
            records.append({
                "tag": tag.name, "tag_id": tag.id, "family": tag.family, "family_id": tag.family_id,
                "severity": tag.severity, "text": span.text, "start": span.start_char, "end": span.end_char,
                "token_start": tok.i, "token_end": tok.i + 1, "sent_start": sent.start_char,
                "sent_end": sent.end_char, "evidence": sent.text.strip(), "polarity": polarity, "negated": False,
                "denied": denied,
            })

    def _who_was_detained(self, doc: Doc, spans: list[Span], records: list[dict]) -> None:
        """An asserted detention of a journalist or writer is also a denial of free expression, of a trade
        unionist also a denial of freedom of association (labelling rules: they are held for their work)."""
        have = {(r["sent_start"], r["tag_id"]) for r in records if r["polarity"] == "asserted"}
        for sp, r in list(zip(spans, records)):
            if r["tag_id"] != "arbitrary-detention" or r["polarity"] != "asserted":
                continue
            words = {t.lower_ for t in _detained(sp)}
            for tag_id, people in (("freedom-of-expression", EXPRESSION_PEOPLE),
                                   ("freedom-of-association", UNION_PEOPLE)):
                if tag_id not in self.tags or (r["sent_start"], tag_id) in have or not words & people:
                    continue
                tag = self.tags[tag_id]
                have.add((r["sent_start"], tag_id))
                spans.append(Span(doc, sp.start, sp.end, label=tag_id))
                records.append({**r, "tag": tag.name, "tag_id": tag.id, "family": tag.family,
                                "family_id": tag.family_id, "severity": tag.severity})

    # -- serialisation -------------------------------------------------------------------------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"spans_key": self.spans_key, "taxonomy": taxonomy_to_dict(self.taxonomy)}).encode()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "IssueTagger":
        payload = json.loads(data)
        self.spans_key = payload.get("spans_key", self.spans_key)
        self.set_taxonomy(taxonomy_from_dict(payload["taxonomy"]))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "taxonomy.json").write_text(self.to_bytes().decode(), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "IssueTagger":
        return self.from_bytes((Path(path) / "taxonomy.json").read_bytes())


def _mark_background(doc: Doc, spans: list[Span], records: list[dict]) -> None:
    """In a longer text, a killing (or an abduction) named in one sentence only and only as a noun ("the
    murder of journalist Jamal Khashoggi" in a story about an arrest) is background to the story, not its
    event: its polarity becomes ``background`` (not counted). A verb ("were killed", "shot dead") or
    mentions in two sentences keep the tag; a text of fewer than BACKGROUND_MIN_SENTS sentences (a title,
    a quoted sentence) always keeps it. hr-news train.json: killing P 0.72 -> 0.79, R 0.84 -> 0.82."""
    if sum(1 for _ in doc.sents) < BACKGROUND_MIN_SENTS:
        return
    for tag_id in BACKGROUND_TAGS:
        found = [(sp, r) for sp, r in zip(spans, records) if r["tag_id"] == tag_id and r["polarity"] == "asserted"]
        if not found or len({r["sent_start"] for _, r in found}) > 1:
            continue
        if all(sp.root.pos_ in ("NOUN", "PROPN") for sp, _ in found):
            for _, r in found:
                r["polarity"], r["negated"] = "background", True


def _is_human(tok: Token, unread_names: bool = True) -> bool:
    """A person or people. ``unread_names``: where the NER did not read the sentence (``ent_iob`` 0, see
    nlp.focused_ner), a proper noun or a capitalised adjective ("Chinese") counts, standing in for PERSON
    and NORP."""
    return (tok.lower_ in HUMAN_WORDS or tok.lemma_.lower() in HUMAN_WORDS or tok.like_num
            or tok.ent_type_ in HUMAN_ENTS or (unread_names and tok.ent_iob == 0 and tok.is_title
                                               and tok.pos_ in ("PROPN", "ADJ")))


def _human_ok(span: Span) -> bool:
    """For figurative-prone verbs: someone human must die/be killed/detained ("the deal died" is not)."""
    verb = next((t for t in span if t.lemma_.lower() in NEEDS_HUMAN_LEMMAS), None)
    if verb is None:
        return True
    if verb.pos_ == "PROPN":
        # Title case misleads the parser ("Will A.I. Kill Translation Jobs?"): look for a human nearby.
        doc = span.doc     # the victim follows the verb, or precedes it in a passive headline ("Journalist Jailed")
        return any(_is_human(t) for t in doc[verb.i + 1:verb.i + 5]) or any(
            t.lower_ in HUMAN_WORDS or t.lemma_.lower() in HUMAN_WORDS for t in doc[max(0, verb.i - 2):verb.i])
    if verb.pos_ not in ("VERB", "AUX"):
        return verb.pos_ != "ADJ"
    participants = [c for c in verb.children if c.dep_ in HUMAN_ROLES_DEPS]
    if verb.dep_ == "conj":   # "workers are injured and killed": killed shares injured's subject
        participants += [c for c in verb.head.children if c.dep_ in HUMAN_ROLES_DEPS]
    participants += [gc for c in verb.children if c.dep_ == "agent" for gc in c.children]
    if verb.dep_ in ("acl", "relcl", "amod"):
        participants.append(verb.head)
    expanded = []
    for p in participants:
        expanded.append(p)
        expanded.extend(c for c in p.children if c.dep_ in ("conj", "nummod", "compound", "amod"))
    if verb.lemma_.lower() in ARREST_LEMMAS:    # one arrests people: a name the NER took for an ORG is one
        return any(_is_human(p) or p.pos_ == "PROPN" for p in expanded)
    return any(_is_human(p) for p in expanded)


def _detained(span: Span, heads_only: bool = False) -> list[Token]:
    """The people a detention word is about, with their modifiers: the object or passive subject of "arrest",
    the noun a participle describes ("jailed journalists"), "the arrest of X", "X's arrest"; for a title-case
    headline verb, the words around it."""
    root = span.root
    if root.pos_ == "PROPN":
        doc = span.doc
        return list(doc[max(0, root.i - 4):root.i]) + list(doc[root.i + 1:root.i + 6])
    # headline: "Journalist arrested", also when tagged past tense: "Author X arrested in Zimbabwe" (with no
    # object, the subject of a transitive "arrest" is the one arrested)
    no_object = not any(c.dep_ == "dobj" for c in root.children)
    people = [c for c in root.children if c.dep_ in ("dobj", "nsubjpass", "poss")
              or (c.dep_ == "nsubj" and (root.tag_ == "VBN" or (root.tag_ == "VBD" and no_object)))]
    people += [gc for c in root.children if c.dep_ == "prep" and c.lower_ == "of" for gc in c.children
               if gc.dep_ == "pobj"]
    if root.dep_ in ("acl", "relcl", "amod", "compound"):
        people.append(root.head)
    if root.dep_ == "conj":
        people += [c for c in root.head.children if c.dep_ in ("dobj", "nsubjpass")]
    if heads_only:
        return people
    out = []
    for p in people:
        out.append(p)
        out.extend(t for t in p.subtree if t.i != p.i and t.dep_ in ("compound", "amod", "conj", "appos", "nmod",
                                                                     "poss", "nummod"))
    return out


def _sentence(item: Span | Token) -> Span:
    """The sentence of a match or a word, or the whole doc when it has no sentence boundaries."""
    return item.sent if item.doc.has_annotation("SENT_START") else item.doc[:]


def _detention_ok(span: Span) -> bool:
    """An arrest is an arbitrary detention when the person held is a journalist, an activist, an opposition
    figure (PROTECTED_PEOPLE), when the sentence is about protest or speech (POLITICAL_CUES), or when a named
    person is held with no crime given; "detain", "jail", "imprison" keep counting unless a crime is the reason
    ("jailed for a mask scam", "arrested on kidnapping charge")."""
    root = span.root
    lemma = root.lemma_.lower() if root.pos_ != "PROPN" else root.lower_.rstrip("s").removesuffix("ed")
    if lemma not in DETENTION_VERBS and root.lemma_.lower() not in DETENTION_VERBS:
        return True
    sent = _sentence(span)
    words = {t.lower_ for t in sent} | {t.lemma_.lower() for t in sent}
    held = _detained(span)
    held_words = {t.lower_ for t in held} | {t.lemma_.lower() for t in held}
    if held_words & PROTECTED_PEOPLE:
        return True
    crime = bool(words & CRIME_CUES)
    if root.lemma_.lower() not in ARREST_LEMMAS and lemma not in ARREST_LEMMAS:
        return not crime or bool(words & POLITICAL_CUES)
    if crime:
        return False
    # a named person: the head is a name ("arrests Aung San Suu Kyi"), not a name modifying "officers"
    # (a title-case headline makes every word a PROPN: there only the NER's PERSON counts)
    alpha = [t for t in sent if t.is_alpha and len(t) > 3]
    headline = sum(t.is_title for t in alpha) >= 0.6 * len(alpha)
    named = any(t.ent_type_ in ("PERSON", "NORP") or (t.pos_ == "PROPN" and t.is_title and not headline)
                for t in _detained(span, heads_only=True))
    return bool(words & POLITICAL_CUES) or named


ATTACK_WORDS = frozenset("attack attacks attacked attacker attackers assault assaulted stones stone rubber bullets "
                         "bullet gunfire gunshot gunmen shot stabbed stabbing grenade bomb bombing blunt rioters "
                         "mob clashes clash beaten tear-gas".split())


def _attack_words(span: Span) -> bool:
    sent = _sentence(span)
    return any(t.lower_ in ATTACK_WORDS for t in sent)


# "anti-" before a harm is opposition to it; before a group ("anti-LGBT laws") it is hostility, so the
# Discrimination family keeps it except for these harm words.
ANTI_HARMS = frozenset({"racism", "discrimination", "sexism", "harassment", "racist", "xenophobia"})


def _anti(span: Span) -> bool:
    doc = span.doc
    return (span.start >= 2 and doc[span.start - 1].text == "-" and doc[span.start - 2].lower_ == "anti") or (
        span.start >= 1 and doc[span.start - 1].lower_ in ("anti", "anti-"))


def _union_dispute(span: Span) -> bool:
    """A union named in a sentence about a dispute, a right or a harm (UNION_DISPUTE_WORDS)."""
    sent = _sentence(span)
    return any((t.lower_ in UNION_DISPUTE_WORDS or t.lemma_.lower() in UNION_DISPUTE_WORDS)
               for t in sent if not span.start <= t.i < span.end)


def _obituary(span: Span) -> bool:
    """"X dies at 84" / "died aged 95" / "found dead aged 35" / "died of a stroke at 69": a death followed by
    an age, with at most a cause of three words between."""
    if not any(t.lemma_.lower() == "die" or t.lower_ in ("die", "dies", "died", "dead") for t in span):
        return False
    doc = span.doc
    nxt = [t for t in doc[span.end:span.end + 8] if not t.is_punct][:6]     # "dies, aged 84"
    for n, tok in enumerate(nxt[:-1]):
        if tok.lower_ in OBITUARY_MARKS and nxt[n + 1].like_num:
            return n == 0 or (nxt[0].lower_ == "of" and n <= 4)
    return False


def _non_violent_cause(span: Span) -> bool:
    """"the outbreak killed 3,100", "killed in a building fire": the killer is a disease or a disaster."""
    verb = next((t for t in span if t.lemma_.lower() == "kill" and t.pos_ in ("VERB", "AUX")), None)
    if verb is None:
        return False
    for subject in _subjects(verb):
        if _disaster(subject):
            return True
    for child in verb.children:
        if child.dep_ in ("prep", "agent") and child.lower_ in ("in", "by"):
            if any(gc.dep_ == "pobj" and _disaster(gc) for gc in child.children):
                return True
    return False


def _disaster(noun: Token) -> bool:
    """A cause of death with no one behind it: a fire or a blast, but not a "car bomb blast" or an "arson fire"."""
    return noun.lemma_.lower() in NON_VIOLENT_CAUSES and not any(
        t.lemma_.lower() in WEAPON_WORDS for t in noun.children if t.dep_ in ("compound", "amod", "nmod"))


def _subjects(verb: Token) -> list[Token]:
    """The verb's subjects, a relative pronoun standing for the noun it describes ("the outbreak that has
    killed 3,100"), and for a participle clause with no subject its head verb's ("an earthquake struck,
    killing 2,200")."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if not subjects and verb.dep_ in ("advcl", "conj", "xcomp") and verb.head is not verb:
        subjects = [c for c in verb.head.children if c.dep_ == "nsubj"]
        verb = verb.head
    return [verb.head if s.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl" else s for s in subjects]


def _workplace_strike(span: Span) -> bool:
    """In a sentence about workers' own demands: a strike or a protest ("strikers", "walking out in protest
    over wages"), but not a hunger strike or a general strike."""
    words = [t.lower_ for t in span]
    before = span.doc[max(0, span.start - 2):span.start]
    return not PROTEST_STRIKES & (set(words) | {t.lower_ for t in before})


def _approval(span: Span) -> bool:
    """"sanctioned by law", "state-sanctioned", "officially sanctioned": approved, not punished."""
    root = span.root
    if root.lower_ not in ("sanctioned", "sanction", "sanctions"):
        return False
    doc = span.doc
    if span.start > 0 and (doc[span.start - 1].lower_ in ("-", "officially", "legally")
                           or doc[span.start - 1].lower_.endswith("-")):
        return True      # "state-sanctioned", "officially sanctioned"
    for child in root.children:
        if child.dep_ == "agent":
            return any(gc.lemma_.lower() in APPROVAL_AGENTS for gc in child.children)
    return False


def _kill_verb(span: Span) -> Token | None:
    return next((t for t in span if t.lemma_.lower() in KILL_LEMMAS and t.pos_ in ("VERB", "AUX")), None)


def _non_human_victim(span: Span) -> bool:
    """"killed dogs", "kill translation jobs": the one killed is named and is not a person."""
    verb = _kill_verb(span)
    if verb is None:
        return False
    victims = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    if victims and all(v.lower_ in NON_HUMAN_PRONOUNS for v in victims):
        return True      # "has finally killed it"
    return bool(victims) and all(v.pos_ == "NOUN" and not _is_human(v)
                                 and not any(_is_human(c) for c in v.children
                                             if c.dep_ in ("conj", "nummod", "compound", "amod"))
                                 for v in victims)


def _around(span: Span) -> list[Token]:
    """The words the match's head word is tied to: its own head and its children."""
    root = span.root
    return ([root.head] if root.head is not root else []) + list(root.children)


def _attempted(span: Span) -> bool:
    """"attempted murder", "assassination attempt", "tried to kill"."""
    return any(t.lemma_.lower() in ATTEMPT_WORDS or t.lower_ in ATTEMPT_WORDS for t in _around(span))


# Words before "shooting" that make it a film's or a photographer's, or no name at all.
NOT_SHOOTING_NAMES = frozenset({"the", "a", "an", "this", "that", "on", "film", "photo", "movie", "video",
                                "location", "fashion", "shooting"})


def _named_shooting(span: Span) -> bool:
    """A bare "shooting" is an attack only when named by its place or its target, as headlines do ("Canada
    shooting", "Las Vegas shooting"): a capitalised word before it that is no determiner or film word. (A
    phrase, with the check here, costs less than a token pattern starting at every capitalised word.)"""
    if span.start == 0:
        return False
    prev = span.doc[span.start - 1]
    return prev.is_title and prev.lower_ not in NOT_SHOOTING_NAMES


def _thing_disappeared(span: Span) -> bool:
    """"the disappearance of the glaciers", "the fish have disappeared": things, not people, are gone."""
    root = span.root
    if root.lower_ in ("disappearance", "disappearances") or span.text.lower() == "disappearance of":
        noun = next((t for t in span if t.lower_ in ("disappearance", "disappearances")), root)
        owners = [gc for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for gc in c.children
                  if gc.dep_ == "pobj"]
        return bool(owners) and not any(_is_human(o) or o.pos_ == "PROPN" for o in owners)
    if root.lemma_.lower() == "disappear" and root.pos_ == "VERB":
        subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
        return bool(subjects) and not any(_is_human(o) or o.pos_ == "PROPN" or o.pos_ == "PRON" for o in subjects)
    return False


def _attack_made(span: Span) -> bool:
    """An attempt that was made ("an attempted lynching", "tried to kill him") is still an attack on someone,
    where a plot that was foiled is not."""
    return any(t.lemma_.lower() in MADE_ATTEMPT_WORDS for t in _around(span))


def _threat(span: Span) -> bool:
    """"we will kill you", "they will be killed", "threatened to kill": a threat, not a killing."""
    verb = _kill_verb(span)
    if verb is None:
        return False
    if any(c.dep_ == "aux" and c.lower_ in THREAT_AUX for c in verb.children):
        return True
    return any(a.lemma_.lower() in ("threaten", "threat") for a in list(verb.ancestors)[:2])


def _mandate_name(span: Span) -> bool:
    """"UN Special Rapporteur on torture", "Committee against Torture": the name of a body or mandate."""
    head = span.root.head
    if head is not span.root and span.root.dep_ == "pobj":
        governor = head.head
        if governor.lemma_.lower() in MANDATE_WORDS and head.lower_ in ("on", "against", "for"):
            return True
    # the parse may hang the word elsewhere ("Special Rapporteur on torture Nils Melzer", "rapporteurs on
    # extrajudicial executions, freedom of opinion and torture"): read the words just before it, which must
    # be a list of nouns with no verb between the mandate and the match
    doc = span.doc
    for i in range(span.start - 1, max(-1, span.start - 9), -1):
        tok = doc[i]
        if tok.pos_ in ("VERB", "AUX") or tok.is_sent_start:
            return False
        if tok.lower_ in ("on", "against", "for") and i > 0 and doc[i - 1].lemma_.lower() in MANDATE_WORDS:
            return True
    return False


def _institution_name(span: Span) -> bool:
    """"a mental health care facility", "the child protection unit": the issue words name a service or an
    institution (through compounds), not a harm."""
    for tok in span:
        for _ in range(3):
            if tok.dep_ not in ("compound", "amod") or tok.head.i < span.end:
                break
            tok = tok.head
            if tok.lemma_.lower() in INSTITUTION_NOUNS:
                return True
    return False


def _figurative_adjective(span: Span) -> bool:
    """"a tortured genius", "The Tortured Poets Department": "tortured" describing a thing or a character,
    not a person who was tortured ("tortured prisoners" stays)."""
    tok = span.root
    return (span.text.lower() == "tortured" and tok.dep_ in ("amod", "compound")
            and tok.head.i >= span.end and not _is_human(tok.head, unread_names=False))


def _supported(span: Span) -> bool:
    """A right (or a harm) governed by a verb that protects, promotes or safeguards it; not a person defended
    ("defending a Falun Gong practitioner": the lawyer's client, whose persecution is the story)."""
    ancestors = list(span.root.ancestors)[:5]
    for k, tok in enumerate(ancestors):
        if tok.dep_ in ("ROOT",) and tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() not in RIGHT_SUPPORT:
            break
        supporter = tok if tok.lemma_.lower() in RIGHT_SUPPORT else tok.head if (
            tok.dep_ == "conj" and tok.head.lemma_.lower() in RIGHT_SUPPORT) else None
        if supporter is not None and not _in_name(supporter):
            return supporter.lemma_.lower() != "defend" or not any(
                _is_human(t, unread_names=False) for t in ancestors[:k])
    return False


def _in_name(tok: Token) -> bool:
    """A capitalised word inside a sentence that is not a headline: part of a name ("the Committee to
    Protect Journalists", "the World Organisation Against Torture"), not a verb of the sentence."""
    sent = _sentence(tok)
    if not tok.is_title or tok.i == sent.start:
        return False
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    return sum(t.is_title for t in words) < 0.5 * len(words)


def _prevention_cue(near: list[Token]) -> bool:
    """A prevention word governing the match ("a policy against", "efforts to eradicate"), but not one that
    asks for it ("fights for one free day a week"), a phrasal "ended up working as", a word in a name, or
    "against" people ("a conviction against a transgender woman": targeting them)."""
    for n in range(1, len(near)):
        tok = near[n]
        if tok.lemma_.lower() not in PREVENTION or _in_name(tok):
            continue
        if tok.lower_ == "against" and any(_is_human(t, unread_names=False) for t in near[:n]
                                           if t.dep_ == "pobj" or t.head.dep_ == "pobj"):
            continue
        if tok.lower_ != "against" and any(_is_human(t, unread_names=False) for t in near[1:n]):
            continue      # "a measure that will prohibit transgender youth from ...": people are its target
        if any(c.dep_ == "prt" and c.lower_ == "up" for c in tok.children):
            continue
        if near[n - 1].dep_ == "prep" and near[n - 1].lower_ == "for":
            continue
        return True
    return False


def _polarity(span: Span, has_parse: bool) -> tuple[str, bool]:
    """(polarity, denied) of a taxonomy match from its syntactic context (or a small left window)."""
    doc = span.doc
    left = doc[max(0, span.start - 3):span.start]
    if not has_parse:
        return ("negated" if any(t.lower_ in NEGATORS for t in left) else "asserted"), False
    root = span.root
    chain = [root]
    for tok in root.ancestors:
        last = chain[-1]
        if last.dep_ in CLAUSE_DEPS and tok.lemma_.lower() not in EVIDENCE_NOUNS:
            break
        if last.dep_ == "conj" and last.pos_ in ("VERB", "AUX"):
            break     # "had not addressed ... and suffer dizziness": the second verb is not negated
        chain.append(tok)
    lemmas = [t.lemma_.lower() for t in chain]
    denied = any(l in ("deny", "reject", "dispute", "refute") for l in lemmas)
    if any(l in ALLEGATION_CUES for l in lemmas[1:]):
        return "asserted", denied
    near = chain[:4]
    for n, tok in enumerate(near):
        if n and near[n - 1].dep_ == "prep" and near[n - 1].lower_ in NEGATION_BLOCKING_PREPS:
            near = near[:n]     # "demands including unpaid salaries were not met": the negation is the demands'
            break
        # the match as the subject of a modal verb is itself asserted: "the death toll could top 30,000"
        subject = n > 0 and near[n - 1].dep_ in ("nsubj", "nsubjpass") and near[n - 1].head.i == tok.i
        # the match's own words too: in "can't be re-detained" the negation hangs on "detained", not "re"
        for child in (tok.children if n else (c for t in span for c in t.children)):
            if span.start <= child.i < span.end:
                continue
            if child.dep_ == "neg" or (child.dep_ in ("det", "advmod", "amod") and child.lower_ in NEGATORS):
                return "negated", denied
            if child.dep_ == "mark" and child.lower_ in HYPOTHETICAL_MARKS:
                return "hypothetical", denied
            if (child.dep_ == "aux" and child.lower_ in HYPOTHETICAL_MODALS and tok.pos_ in ("VERB", "AUX")
                    and not subject):
                return "hypothetical", denied
        if tok is not root and tok.lemma_.lower() in NEG_HEADS:
            return "negated", denied
    if any(t.lower_ in ("no", "without", "never") for t in left):
        return "negated", denied
    if _prevention_cue(near):
        return "prevention", denied
    if any(t.lemma_.lower() in RISK_WORDS for t in near[1:]):
        return "hypothetical", denied
    if chain[-1].dep_ == "ccomp" and chain[-1].head.lemma_.lower() == "wish":
        return "hypothetical", denied     # "I wish I had died"
    return "asserted", denied


@Language.factory("rightsradar_issue_tagger_v1", default_config={"spans_key": "issues"})
def make_issue_tagger(nlp: Language, name: str, spans_key: str) -> IssueTagger:
    return IssueTagger(nlp, name, spans_key=spans_key)
