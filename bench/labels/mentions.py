"""Hand-labelled company mentions for measuring the firm linker (``mentions.jsonl``, ``mentions_test.jsonl``,
``mentions_blind2.jsonl``, ``mentions_blind3.jsonl``, ``mentions_blind4.jsonl`` and the small blind
``mentions_blind5.jsonl``): annotations only.

Each row names a span of real text in ``../shared`` by the same references as ``issues.jsonl`` (see
:mod:`bench.labels`) plus character offsets into the resolved text, and says which tracked firm
(``companies.csv`` id) the mention is, or ``null`` when it is not a tracked firm (an untracked organisation,
a common word, a place, a person). ``MENTIONS.md`` here gives the labelling rules and the counts.

Besides the references of :mod:`bench.labels`, a row may point at an article of the hr-news set:
``{"file": "hr-news/dev.json" | "hr-news/train.json", "event": GLOBALEVENTID}``, whose ``title`` is the
item's ``Input.title`` and whose ``text`` is the paragraphs of ``Input.article_interface`` without their
``<p>`` tags, joined by blank lines (see :func:`resolve_text`).

A row may also point at the body of an item in one of the raw feed files beside ``feeds/news/index.json``:
``{"file": "feeds/news/<name>.xml", "link": <the item's link>}`` with field ``text``: the item's
``content:encoded`` (or Atom ``content``, else ``description`` / ``summary``), markup removed (see
:func:`feed_item_text`).

Row: ``ref``, ``field`` (``title`` | ``text`` | ``sentence``), ``start``, ``end``, ``mention`` (exactly
``text[start:end]``), ``firm`` (id or ``null``), ``case`` (one of :data:`CASES`), optional ``note``.
"""
from __future__ import annotations

import csv
import html
import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from bench.labels import UnresolvedRef, resolve

MENTIONS_PATH = Path(__file__).resolve().parent / "mentions.jsonl"
# Labelled after the linker was tuned on mentions.jsonl, before any rule was changed for it (MENTIONS.md).
MENTIONS_TEST_PATH = Path(__file__).resolve().parent / "mentions_test.jsonl"
# A second blind set, labelled after the rules were tuned on both files above and before any rule was changed
# for it (MENTIONS.md).
MENTIONS_BLIND2_PATH = Path(__file__).resolve().parent / "mentions_blind2.jsonl"
# A third blind set, labelled after the rules were tuned on the three files above, before any rule change for it.
MENTIONS_BLIND3_PATH = Path(__file__).resolve().parent / "mentions_blind3.jsonl"
# A fourth blind set, labelled after the rules were tuned on the four files above, before any rule change for it.
MENTIONS_BLIND4_PATH = Path(__file__).resolve().parent / "mentions_blind4.jsonl"
# A small fifth blind set (mostly traps), labelled after the rules were tuned on all five files above.
MENTIONS_BLIND5_PATH = Path(__file__).resolve().parent / "mentions_blind5.jsonl"
COMPANIES_PATH = Path(__file__).resolve().parents[2] / "companies.csv"

CASES = frozenset({
    "plain", "short", "legal-form", "subsidiary", "former-name", "common-word", "untracked-org", "possessive",
    "non-latin",
})
FIELDS = frozenset({"title", "text", "sentence"})
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_BLOCK_TAG = re.compile(r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|figure|figcaption|tr|table)\b[^>]*>", re.I)
_BODY_TAGS = ("encoded", "content", "description", "summary")     # first present wins


def feed_item_text(markup: str) -> str:
    """A feed item's body as plain text: block tags end a line, other tags go, entities decoded, runs of blanks
    made one space, at most one blank line between paragraphs."""
    text = html.unescape(re.sub(r"<[^>]+>", "", _BLOCK_TAG.sub("\n", markup)))
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=None)
def _feed_bodies(path: Path) -> dict[str, str]:
    """Item link -> raw body markup, for one RSS / Atom file."""
    bodies: dict[str, str] = {}
    for item in ET.parse(path).getroot().iter():
        if item.tag.split("}")[-1] not in ("item", "entry"):
            continue
        link, parts = None, {}
        for child in item:
            tag = child.tag.split("}")[-1]
            if tag == "link":
                link = (child.text or "").strip() or child.get("href")
            elif tag in _BODY_TAGS and (child.text or "").strip():
                parts[tag] = child.text
        body = next((parts[t] for t in _BODY_TAGS if t in parts), None)
        if link and body:
            bodies.setdefault(link, body)
    return bodies


@lru_cache(maxsize=None)
def _hr_news(path: Path) -> dict[int, dict]:
    return {item["sample"]["Input.GLOBALEVENTID"]: item["sample"] for item in json.loads(path.read_text("utf-8"))}


def resolve_text(ref: dict, field: str, shared_dir: Path) -> str:
    """The text a row points at: an hr-news article (``event``) or a raw feed item's body (``.xml`` file) here,
    anything else by :func:`bench.labels.resolve`."""
    feed_item = ref["file"].endswith(".xml")
    if "event" not in ref and not feed_item:
        return resolve(ref, field, shared_dir)
    path = next((p for p in (shared_dir / "data" / ref["file"], shared_dir / ref["file"]) if p.exists()), None)
    if path is None:
        raise UnresolvedRef(f"{ref['file']} not found under {shared_dir} (or its data/ folder)")
    if feed_item:
        body = _feed_bodies(path).get(ref["link"]) if field == "text" else None
        text = feed_item_text(body) if body else ""
        if not text:
            raise UnresolvedRef(f"reference no longer resolves: {ref} ({field})")
        return text
    sample = _hr_news(path).get(ref["event"])
    if sample is None:
        raise UnresolvedRef(f"reference no longer resolves: {ref}")
    if field == "title":
        text = sample["Input.title"]
    else:
        html = sample["Input.article_interface"]
        text = "\n\n".join(p.strip() for p in _PARAGRAPH.findall(html)) if "<p>" in html else html
    if not text.strip():
        raise UnresolvedRef(f"reference no longer resolves: {ref}")
    return text.strip()


@lru_cache(maxsize=None)
def firm_ids(companies_path: Path = COMPANIES_PATH) -> frozenset[str]:
    """The ids of the tracked firms in ``companies.csv``."""
    with Path(companies_path).open(newline="", encoding="utf-8") as fh:
        return frozenset(row["id"] for row in csv.DictReader(fh))


def read_rows(path: str | Path = MENTIONS_PATH,
              companies_path: str | Path = COMPANIES_PATH) -> list[tuple[int, dict]]:
    """``(line number, row)`` for every row, checked without the shared data: shape, case, field, firm ids.

    Raises :class:`ValueError` naming the line on a malformed row or a firm id that is not in ``companies.csv``.
    """
    path = Path(path)
    firms = firm_ids(Path(companies_path))
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not JSON: {exc}") from exc
        missing = {"ref", "field", "start", "end", "mention", "firm", "case"} - row.keys()
        if missing:
            raise ValueError(f"{where}: missing {sorted(missing)}")
        if row["field"] not in FIELDS:
            raise ValueError(f"{where}: unknown field {row['field']!r}")
        if row["case"] not in CASES:
            raise ValueError(f"{where}: unknown case {row['case']!r}")
        start, end = row["start"], row["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            raise ValueError(f"{where}: bad offsets {start!r}-{end!r}")
        if row["firm"] is not None and row["firm"] not in firms:
            raise ValueError(f"{where}: firm {row['firm']!r} is not in {companies_path}")
        rows.append((n, row))
    return rows


def load_mentions(shared_dir: str | Path, path: str | Path = MENTIONS_PATH,
                  companies_path: str | Path = COMPANIES_PATH) -> list[dict]:
    """Every labelled mention with its resolved ``text`` (the whole title, page text or seed sentence).

    Raises :class:`UnresolvedRef` naming the line when a reference no longer resolves or
    ``text[start:end]`` is not the labelled mention, and :class:`ValueError` naming the line when a firm id
    is not in ``companies.csv`` (or the row is malformed).
    """
    shared_dir, path = Path(shared_dir), Path(path)
    mentions = []
    for n, row in read_rows(path, companies_path):
        where = f"{path}:{n}"
        try:
            text = resolve_text(row["ref"], row["field"], shared_dir)
        except UnresolvedRef as exc:
            raise UnresolvedRef(f"{where}: {exc}") from exc
        start, end = row["start"], row["end"]
        if text[start:end] != row["mention"]:
            raise UnresolvedRef(f"{where}: text[{start}:{end}] is {text[start:end]!r}, "
                                f"not {row['mention']!r} ({row['ref']})")
        mentions.append({**row, "text": text})
    return mentions
