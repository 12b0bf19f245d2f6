"""Every real feed in ../shared/data/feeds parses, or is refused with a clear reason."""
import json
from pathlib import Path

import pytest

from spiders.dates import struct_time_to_iso, to_utc_iso
from spiders.feeds import FeedError, parse_feed
from tests.conftest import shared_data

# Feeds that are broken beyond recovery, with the reason we give.
UNREADABLE = {"malformed_rss_namespaced.xml": "not well-formed", "unrecognized.rss": "junk after document"}


def feed_files():
    folder = shared_data("feeds")
    return sorted(p for p in folder.glob("*/*") if p.name != "index.json")


def test_every_shared_feed_parses_or_gives_a_reason():
    files = feed_files()
    assert len(files) >= 60
    for path in files:
        if path.name in UNREADABLE:
            with pytest.raises(FeedError, match=UNREADABLE[path.name]):
                parse_feed(path.read_bytes())
            continue
        feed = parse_feed(path.read_bytes())
        for entry in feed.entries:
            assert entry.link and entry.guid, path.name
            assert entry.published is None or entry.published.endswith("Z")


def test_news_feeds_match_their_index():
    index = json.loads(shared_data("feeds", "news", "index.json").read_text("utf-8"))
    entries = index if isinstance(index, list) else index.get("feeds", index)
    checked = 0
    for name, info in (entries.items() if isinstance(entries, dict) else ((e["file"], e) for e in entries)):
        path = shared_data("feeds", "news", Path(name).name)
        feed = parse_feed(path.read_bytes())
        links = {item["link"] for item in info["items"] if item.get("link")}
        assert links <= {e.link for e in feed.entries} | {e.guid for e in feed.entries}, name
        checked += 1
    assert checked >= 20


def test_utf16_and_latin1_feeds_decode():
    utf16 = parse_feed(shared_data("feeds", "edge-cases", "utf16_encoded.xml").read_bytes())
    assert utf16.entries
    latin = parse_feed(shared_data("feeds", "edge-cases", "encoding.rss").read_bytes())
    assert any(any(ch in e.title for ch in "ãçéáõí") for e in latin.entries)


def test_rdf_feed():
    rdf = parse_feed(shared_data("feeds", "edge-cases", "rss-1.rss").read_bytes())
    assert len(rdf.entries) > 10


def test_dates_are_utc():
    assert to_utc_iso("Mon, 20 Nov 2017 08:30:00 +0700") == "2017-11-20T01:30:00Z"
    assert to_utc_iso("2017-11-20") == "2017-11-20T00:00:00Z"
    assert to_utc_iso("not a date") is None
    feed = parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title>'
                      b"<link>https://x.example/a</link><pubDate>Mon, 20 Nov 2017 08:30:00 +0700</pubDate>"
                      b"</item></channel></rss>")
    assert feed.entries[0].published == "2017-11-20T01:30:00Z"
    import time
    assert struct_time_to_iso(time.struct_time((2017, 11, 20, 1, 30, 0, 0, 324, 0))) == "2017-11-20T01:30:00Z"


def test_not_a_feed():
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>This is a web page</body></html>")
