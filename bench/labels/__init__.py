"""Hand-labelled items for the NLP quality benchmark (``issues.jsonl``): annotations only.

The text stays in ``../shared``; each row names it by a stable reference and :func:`load_labelled` resolves it:

* ``{"file": "feeds/news/index.json", "link": ...}``: an item's title in the feed index (``data/``);
* ``{"file": "feeds/edge-cases/<name>.rss", "link": ...}``: an item's title in a raw RSS feed, read with a plain
  XML parser;
* ``{"file": "articles/fundus/index.jsonl", "url": ...}``: a page's ``title`` or ``body_text`` (``data/``);
* ``{"file": "seeds/<name>.txt", "quote": ...}``: an exact passage of a seed document (whitespace-normalised,
  because the PDF-extracted text breaks lines mid-sentence);
* ``{"file": "articles/fundus/index.jsonl", "url": ..., "quote": ...}`` (field ``sentence``): an exact passage
  of that page's body text (whitespace-normalised);
* ``{"file": "hr-news/train.json", "event": <Input.GLOBALEVENTID>}``: that news item's ``Input.title``
  (field ``title``), or with ``"quote"`` (field ``sentence``) an exact passage of its article text (markup
  removed, entities decoded, whitespace-normalised).

Labels say what a researcher would file the text under (see ``README.md`` here for the rules used).
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

LABELS_PATH = Path(__file__).resolve().parent / "issues.jsonl"


class UnresolvedRef(LookupError):
    """A labelled item's reference no longer matches the shared data."""


def _locate(shared_dir: Path, file: str) -> Path:
    for candidate in (shared_dir / "data" / file, shared_dir / file):
        if candidate.exists():
            return candidate
    raise UnresolvedRef(f"{file} not found under {shared_dir} (or its data/ folder)")


@lru_cache(maxsize=None)
def _feed_titles(path: Path) -> dict[str, str]:
    titles: dict[str, str] = {}
    if path.suffix != ".json":     # a raw RSS feed: each <item>'s <title> by its <link>
        for item in ElementTree.parse(path).getroot().iter("item"):
            link, title = item.findtext("link"), item.findtext("title")
            if link and title:
                titles.setdefault(link.strip(), title.strip())
        return titles
    for feed in json.loads(path.read_text("utf-8")):
        for item in feed["items"]:
            if item.get("link") and item.get("title"):
                titles.setdefault(item["link"], item["title"].strip())
    return titles


@lru_cache(maxsize=None)
def _pages(path: Path) -> dict[str, dict]:
    return {row["url"]: row for row in map(json.loads, path.read_text("utf-8").splitlines()) if row}


@lru_cache(maxsize=None)
def _normalised(path: Path) -> str:
    return re.sub(r"\s+", " ", path.read_text("utf-8"))


@lru_cache(maxsize=None)
def _hr_news(path: Path) -> dict[str, dict]:
    return {str(row["sample"]["Input.GLOBALEVENTID"]): row["sample"] for row in json.loads(path.read_text("utf-8"))}


def hr_news_text(sample: dict) -> str:
    """An hr-news article as plain text: markup removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", sample["Input.article_interface"]))


def _quoted(quote: str, text: str) -> str | None:
    quote = re.sub(r"\s+", " ", quote).strip()
    return quote if quote in re.sub(r"\s+", " ", text) else None


def resolve(ref: dict, field: str, shared_dir: Path) -> str:
    """The text a reference points at; raises :class:`UnresolvedRef` when it is gone or changed."""
    path = _locate(shared_dir, ref["file"])
    if "link" in ref:
        text = _feed_titles(path).get(ref["link"])
    elif "event" in ref:
        sample = _hr_news(path).get(str(ref["event"]))
        text = None if sample is None else (_quoted(ref["quote"], hr_news_text(sample)) if "quote" in ref
                                            else sample["Input.title"])
    elif "url" in ref and "quote" in ref:
        page = _pages(path).get(ref["url"])
        body = None if page is None else page["body_text"]
        body = "\n\n".join(body) if isinstance(body, list) else body
        text = _quoted(ref["quote"], body) if body else None
    elif "url" in ref:
        page = _pages(path).get(ref["url"])
        text = None if page is None else (page["title"] if field == "title" else "\n\n".join(page["body_text"])
                                          if isinstance(page["body_text"], list) else page["body_text"])
    elif "quote" in ref:
        text = _quoted(ref["quote"], _normalised(path))
    else:
        raise UnresolvedRef(f"unknown reference shape: {ref}")
    if not text:
        raise UnresolvedRef(f"reference no longer resolves: {ref}")
    return text.strip()


def load_labelled(shared_dir: str | Path, labels_path: str | Path = LABELS_PATH) -> list[dict]:
    """Every labelled item with its resolved ``text``; fails loudly on any reference that does not resolve."""
    shared_dir = Path(shared_dir)
    items = []
    for n, line in enumerate(Path(labels_path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            row["text"] = resolve(row["ref"], row["field"], shared_dir)
        except UnresolvedRef as exc:
            raise UnresolvedRef(f"{labels_path}:{n}: {exc}") from exc
        items.append(row)
    return items
