"""spaCy component ``rightsradar_places_v1``: countries named in the text, as ISO alpha-2 and region.

Sources: country names (pycountry + common short forms such as "DRC", "UK"), demonyms ("Vietnamese",
"Mexican") and capital / major cities ("Cairo"), matched case-sensitively, plus GPE/LOC/NORP entities whose
text is in the table. Names in the ``ambiguous`` list ("Jordan", "Chad", "Georgia", "Washington") count only
when the NER tags exactly that text as a place or nationality. Mentions inside a tracked company's name
("Samsung Electronics Vietnam") are kept: they usually say where the firm operates.

Data: ``nlp/data/places.json`` (built by ``python -m nlp.data.build_places``), saved with the pipeline.
Output: ``doc._.rr_places`` = [{"country", "region", "mention", "start", "end"}], ``doc.spans["places"]``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .extensions import ensure_extensions

DEFAULT_PLACES_PATH = Path(__file__).with_name("data") / "places.json"
PLACE_ENTS = frozenset({"GPE", "LOC", "NORP"})


class Places:
    def __init__(self, nlp: Language, name: str = "rightsradar_places_v1", *, spans_key: str = "places"):
        ensure_extensions()
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.data: dict = {"regions": {}, "names": {}, "demonyms": {}, "capitals": {}, "ambiguous": []}
        self._build()

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None,
                   data_path: str | Path | None = None) -> None:
        self.set_data(json.loads(Path(data_path or DEFAULT_PLACES_PATH).read_text(encoding="utf-8")))

    def set_data(self, data: dict) -> None:
        self.data = data
        self._build()

    def _build(self) -> None:
        self.lookup: dict[str, str] = {}
        for table in ("capitals", "demonyms", "names"):   # names win over cities of the same spelling
            self.lookup.update(self.data.get(table, {}))
        self.lower_lookup = {k.lower(): v for k, v in self.lookup.items()}
        self.ambiguous = set(self.data.get("ambiguous", []))
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        surfaces = sorted(self.lookup)
        for surface, pdoc in zip(surfaces, self.nlp.tokenizer.pipe(surfaces)):
            self.matcher.add(surface, [pdoc])

    def country_of(self, text: str) -> str | None:
        text = text.strip()
        if text.lower().startswith("the "):
            text = text[4:]
        return self.lookup.get(text) or self.lower_lookup.get(text.lower())

    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        cands: dict[tuple[int, int], str] = {}
        ent_at = {(e.start, e.end): e.label_ for e in doc.ents}
        for match_id, start, end in (self.matcher(doc) if len(self.matcher) else ()):
            surface = strings[match_id]
            if surface in self.ambiguous and ent_at.get((start, end)) not in PLACE_ENTS:
                # "the Jordan" / "Georgia" must be tagged as a place exactly; allow a leading "the".
                if not (start > 0 and doc[start - 1].lower_ == "the"
                        and ent_at.get((start - 1, end)) in PLACE_ENTS):
                    continue
            cands[(start, end)] = self.lookup[surface]
        for ent in doc.ents:
            if ent.label_ in PLACE_ENTS and (ent.start, ent.end) not in cands:
                cc = self.country_of(ent.text)
                if cc and ent.text.strip() not in self.ambiguous:
                    cands[(ent.start, ent.end)] = cc
        regions = self.data.get("regions", {})
        spans, records = [], []
        for span in filter_spans([Span(doc, s, e) for s, e in cands]):
            cc = cands[(span.start, span.end)]
            spans.append(Span(doc, span.start, span.end, label=cc))
            records.append({"country": cc, "region": regions.get(cc, ""), "mention": span.text,
                            "start": span.start_char, "end": span.end_char})
        doc.spans[self.spans_key] = spans
        doc._.rr_places = records
        return doc

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"spans_key": self.spans_key, "data": self.data}, ensure_ascii=False).encode()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "Places":
        payload = json.loads(data)
        self.spans_key = payload.get("spans_key", self.spans_key)
        self.set_data(payload["data"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "places.json").write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "Places":
        return self.from_bytes((Path(path) / "places.json").read_bytes())


@Language.factory("rightsradar_places_v1", default_config={"spans_key": "places"})
def make_places(nlp: Language, name: str, spans_key: str) -> Places:
    return Places(nlp, name, spans_key=spans_key)
