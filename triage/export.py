"""Export records (store/export.py) as JSON lines, CSV or an Atom feed for the library.

Atom: one entry per story, its id the record's stable id; firms, issue tags, countries, regions and
sectors are atom:category elements with a scheme each; evidence, outlets and who decided are in
the rightsradar namespace (RR_NS), which feed readers ignore and the library reads.
"""
from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TextIO
from xml.etree import ElementTree as ET

from nlp.taxonomy import load_taxonomy

FORMATS = ("jsonl", "csv", "atom")
ATOM_NS = "http://www.w3.org/2005/Atom"
RR_NS = "urn:rightsradar:export:1"
SCHEME = "urn:rightsradar:"
CSV_COLUMNS = ("id", "article_id", "title", "url", "published", "language", "source_id", "source_name", "outlets",
               "summary", "firm_ids", "firm_names", "tags", "families", "countries", "regions", "sectors",
               "evidence", "status", "decided_by", "decided_at", "notes")
LIST_SEPARATOR = " | "

ET.register_namespace("", ATOM_NS)
ET.register_namespace("rr", RR_NS)


@functools.cache
def _tag_names() -> dict[str, tuple[str, str]]:
    return {tag.id: (tag.name, tag.family) for tag in load_taxonomy().tags}


def named_tags(record: dict) -> dict:
    """Tags a researcher added carry only their id: give them the taxonomy's name and family."""
    names = _tag_names()
    tags = [{**t, "name": names[t["id"]][0], "family": names[t["id"]][1]} if t["id"] in names and not t["family"]
            else t for t in record["tags"]]
    return {**record, "tags": tags}


def write_export(records: Iterable[dict], fmt: str, out: TextIO, feed_url: str = "") -> int:
    """Write `records` to `out` in `fmt`; returns how many were written."""
    records = [named_tags(r) for r in records]
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(_csv_row(r) for r in records)
    elif fmt == "atom":
        out.write(atom_feed(records, feed_url).decode("utf-8"))
    else:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    return len(records)


def _csv_row(r: dict) -> dict:
    join = LIST_SEPARATOR.join
    return {
        "id": r["id"], "article_id": r["article_id"], "title": r["title"], "url": r["url"],
        "published": r["published"] or "", "language": r["language"] or "", "source_id": r["source"]["id"],
        "source_name": r["source"]["name"], "outlets": join(o["url"] for o in r["outlets"]),
        "summary": r["summary"], "firm_ids": join(f["id"] for f in r["firms"]),
        "firm_names": join(f["name"] for f in r["firms"]), "tags": join(t["name"] for t in r["tags"]),
        "families": join(sorted({t["family"] for t in r["tags"] if t["family"]})),
        "countries": join(r["countries"]), "regions": join(r["regions"]), "sectors": join(r["sectors"]),
        "evidence": join(r["evidence"]), "status": r["status"], "decided_by": r["decided_by"] or "",
        "decided_at": r["decided_at"] or "", "notes": join(f"{n['user']}: {n['text']}" for n in r["notes"]),
    }


def atom_feed(records: Iterable[dict], feed_url: str = "") -> bytes:
    records = [named_tags(r) for r in records]
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    status = records[0]["status"] if records else "accepted"
    _text(feed, "id", f"urn:rightsradar:export:{status}")
    _text(feed, "title", f"rightsradar: {status} stories")
    updated = max((r["decided_at"] or "" for r in records), default="") or _now()
    _text(feed, "updated", updated)
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "rightsradar")
    if feed_url:
        ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=feed_url)
    for record in records:
        feed.append(_entry(record))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(r: dict) -> ET.Element:
    entry = ET.Element(f"{{{ATOM_NS}}}entry")
    _text(entry, "id", r["id"])
    _text(entry, "title", r["title"] or "(no title)")
    if r["url"].lower().startswith(("http://", "https://")):
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=_xml_safe(r["url"]))
    _text(entry, "updated", r["decided_at"] or r["published"] or _now())
    if r["published"]:
        _text(entry, "published", r["published"])
    author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")   # the outlet that published the story
    _text(author, "name", r["source"]["name"] or r["source"]["id"])
    if r["decided_by"]:
        contributor = ET.SubElement(entry, f"{{{ATOM_NS}}}contributor")   # the researcher who decided
        _text(contributor, "name", r["decided_by"])
    _text(entry, "summary", r["summary"])
    for firm in r["firms"]:
        _category(entry, "firm", firm["id"], firm["name"])
    for tag in r["tags"]:
        _category(entry, "issue", tag["id"], tag["name"])
    for kind in ("countries", "regions", "sectors"):
        for value in r[kind]:
            _category(entry, kind[:-1] if kind != "countries" else "country", value, value)
    _text(entry, "source", r["source"]["id"], RR_NS)
    for outlet in r["outlets"]:
        ET.SubElement(entry, f"{{{RR_NS}}}outlet", href=_xml_safe(outlet["url"]), source=_xml_safe(outlet["source"]))
    for sentence in r["evidence"]:
        _text(entry, "evidence", sentence, RR_NS)
    _text(entry, "status", r["status"], RR_NS)
    if r["decided_by"]:
        ET.SubElement(entry, f"{{{RR_NS}}}decided", by=_xml_safe(r["decided_by"]), at=_xml_safe(r["decided_at"]))
    for note in r["notes"]:
        ET.SubElement(entry, f"{{{RR_NS}}}note", by=_xml_safe(note["user"]),
                      at=_xml_safe(note["created"])).text = _xml_safe(note["text"])
    return entry


def _category(parent: ET.Element, scheme: str, term: str, label: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}category", scheme=SCHEME + scheme, term=_xml_safe(term),
                  label=_xml_safe(label))


def _text(parent: ET.Element, name: str, text: str, ns: str = ATOM_NS) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{name}")
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str | None) -> str:
    """Drop the control characters XML 1.0 cannot carry (they would make the feed invalid)."""
    return "".join(ch for ch in (text or "") if ch in "\t\n\r" or ord(ch) >= 0x20)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def export_text(records: Iterable[dict], fmt: str) -> str:
    out = io.StringIO()
    write_export(records, fmt, out)
    return out.getvalue()
