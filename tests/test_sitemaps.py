"""Parsing news sitemaps and sitemap indexes."""
from datetime import datetime, timezone

import pytest

from spiders.sitemaps import SitemapError, parse_sitemap

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_news_sitemap_keeps_recent_articles_with_title_and_utc_date():
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc> https://x.example/a </loc><news:news><news:publication_date>2026-11-22T10:00:00+02:00
      </news:publication_date><news:title>Miners killed</news:title></news:news></url>
      <url><loc>https://x.example/b</loc><lastmod>2026-01-01</lastmod></url>
      <url><loc>https://x.example/c</loc></url></urlset>"""
    parsed = parse_sitemap(body, max_age_days=3, now=NOW)
    assert [(e.link, e.title, e.published) for e in parsed.entries] == [
        ("https://x.example/a", "Miners killed", "2026-11-22T08:00:00Z"), ("https://x.example/c", "", None)]


def test_index_lists_child_sitemaps():
    body = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://x.example/'
            b'news.xml</loc></sitemap></sitemapindex>')
    assert parse_sitemap(body).sitemaps == ["https://x.example/news.xml"]


def test_not_a_sitemap():
    with pytest.raises(SitemapError, match="not a sitemap"):
        parse_sitemap(b"<html><body>hello</body></html>")
    with pytest.raises(SitemapError, match="unreadable"):
        parse_sitemap(b"")
