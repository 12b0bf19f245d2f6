"""Structured metadata a news page declares about itself: JSON-LD, Open Graph, <meta>, rel=canonical."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import html as lxml_html

ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                 "OpinionNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting", "WebPage"}


@dataclass
class PageMetadata:
    title: str = ""
    published: str = ""          # as the page wrote it; normalised by the caller
    authors: list[str] = field(default_factory=list)
    canonical_url: str = ""
    language: str = ""


def read_page_metadata(tree: lxml_html.HtmlElement) -> PageMetadata:
    """JSON-LD first (publishers fill it for search engines), then Open Graph and <meta>."""
    meta = PageMetadata()
    ld = _json_ld_article(tree)
    if ld:
        meta.title = _text(ld.get("headline"))
        meta.published = _text(ld.get("datePublished"))
        meta.authors = _ld_authors(ld.get("author"))
    meta.title = meta.title or _meta(tree, "og:title") or _meta(tree, "twitter:title")
    meta.published = (meta.published or _meta(tree, "article:published_time")
                      or _meta(tree, "og:article:published_time") or _meta(tree, "date")
                      or _meta(tree, "dc.date") or _meta(tree, "pubdate"))
    if not meta.authors:
        author = _meta(tree, "author") or _meta(tree, "article:author") or _meta(tree, "dc.creator")
        if author and not author.startswith("http"):
            meta.authors = [author]
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    meta.canonical_url = (canonical[0].strip() if canonical else "") or _meta(tree, "og:url")
    lang = tree.xpath("/html/@lang") or tree.xpath("//meta[@http-equiv='content-language']/@content")
    meta.language = lang[0].strip().split("-")[0].split("_")[0].lower() if lang else ""
    return meta


def _meta(tree, name: str) -> str:
    lowered = name.lower()
    for attr in ("property", "name", "itemprop"):
        values = tree.xpath(f"//meta[translate(@{attr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                            f"'abcdefghijklmnopqrstuvwxyz')='{lowered}']/@content")
        if values and values[0].strip():
            return values[0].strip()
    return ""


def _json_ld_article(tree) -> dict | None:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue  # publishers ship broken JSON-LD often enough: skip it
        for node in _walk(data):
            types = node.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            if types & ARTICLE_TYPES and (node.get("headline") or node.get("datePublished")):
                return node
    return None


def _walk(data):
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _walk(data["@graph"])


def _ld_authors(author) -> list[str]:
    names = []
    for item in author if isinstance(author, list) else [author]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and not name.startswith("http"):
            names.append(name.strip())
    return names


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""
