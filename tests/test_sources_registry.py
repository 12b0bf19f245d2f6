"""The production source registry (sources.yaml) has the right shape. Nothing is fetched."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pycountry
import pytest
from lxml import etree

from spiders.registry import KINDS, load_sources

REGISTRY = Path(__file__).resolve().parent.parent / "sources.yaml"

REGIONS = {
    "Global", "Asia", "Africa", "Middle East & North Africa", "Central & South America",
    "Europe", "North America", "Oceania",
}
CATEGORIES = {"ngo", "labour", "environment", "investigative", "regional-news", "business-news", "bhrrc"}
EXTRACTION_KEYS = {"title_xpath", "body_xpath", "date_xpath", "author_xpath", "drop_xpaths"}
MIN_SOURCES = 40
MIN_LANGUAGES = 5


@pytest.fixture(scope="module")
def sources() -> list[dict]:
    return load_sources(REGISTRY)


def _ids(sources, predicate):
    return [s["id"] for s in sources if not predicate(s)]


def test_registry_loads_with_enough_sources(sources):
    assert len(sources) >= MIN_SOURCES, f"only {len(sources)} sources"


def test_ids_are_unique_slugs(sources):
    counts = Counter(s["id"] for s in sources)
    assert not [i for i, n in counts.items() if n > 1]
    assert _ids(sources, lambda s: re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s["id"])) == []


def test_required_fields_and_kinds(sources):
    for key in ("id", "name", "kind", "url"):
        assert _ids(sources, lambda s: isinstance(s.get(key), str) and s[key].strip()) == [], key
    assert _ids(sources, lambda s: s["kind"] in KINDS) == []
    # every kind is actually used: feeds mostly, a few sitemaps and site spiders
    assert {s["kind"] for s in sources} == KINDS


def _is_http_url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and " " not in value


def test_urls_are_http_with_a_host(sources):
    assert _ids(sources, lambda s: _is_http_url(s["url"])) == []


def test_languages(sources):
    assert _ids(sources, lambda s: re.fullmatch(r"[a-z]{2}", s["language"] or "")) == []
    assert _ids(sources, lambda s: pycountry.languages.get(alpha_2=s["language"]) is not None) == []
    languages = {s["language"] for s in sources}
    assert len(languages) >= MIN_LANGUAGES, sorted(languages)
    assert "en" in languages


def test_countries_are_iso_alpha2_or_empty(sources):
    def valid(s):
        code = s.get("country")
        if code == "":
            return True
        return (isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) is not None
                and pycountry.countries.get(alpha_2=code) is not None)
    assert _ids(sources, valid) == []


def test_regions_are_known_and_all_covered(sources):
    assert _ids(sources, lambda s: s.get("region") in REGIONS) == []
    assert {s["region"] for s in sources} == REGIONS


def test_categories_are_known(sources):
    assert _ids(sources, lambda s: s.get("category") in CATEGORIES) == []
    assert any(s["category"] == "bhrrc" for s in sources)


def test_reliability_in_range(sources):
    def valid(s):
        value = s.get("reliability")
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and 0.5 <= value <= 1.0)
    assert _ids(sources, valid) == []


def test_site_entries_have_start_urls_and_a_pattern(sources):
    sites = [s for s in sources if s["kind"] == "site"]
    assert sites
    for source in sites:
        start_urls = source.get("start_urls")
        assert isinstance(start_urls, list) and start_urls, source["id"]
        assert all(_is_http_url(u) for u in start_urls), source["id"]
        pattern = source.get("article_pattern")
        assert isinstance(pattern, str) and pattern, source["id"]
        regex = re.compile(pattern)
        # the pattern must not match the listing pages themselves (else the spider stores them)
        assert not any(regex.search(u) for u in start_urls), source["id"]


def test_spider_keys_only_on_site_entries(sources):
    others = [s for s in sources if s["kind"] != "site"]
    assert _ids(others, lambda s: "start_urls" not in s and "article_pattern" not in s) == []


def _xpaths(extraction: dict):
    for key, value in extraction.items():
        if key == "drop_xpaths":
            assert isinstance(value, list) and value, key
            yield from ((key, v) for v in value)
        else:
            yield key, value


def test_extraction_overrides_use_known_keys_and_compile(sources):
    overridden = [s for s in sources if "extraction" in s]
    assert overridden
    for source in overridden:
        extraction = source["extraction"]
        assert isinstance(extraction, dict) and extraction, source["id"]
        unknown = set(extraction) - EXTRACTION_KEYS
        assert not unknown, (source["id"], unknown)
        for key, xpath in _xpaths(extraction):
            assert isinstance(xpath, str) and xpath.strip(), (source["id"], key)
            try:
                etree.XPath(xpath)
            except etree.XPathSyntaxError as exc:
                pytest.fail(f"{source['id']}: {key} {xpath!r} does not compile: {exc}")



def test_registry_errors_name_the_entry(tmp_path):
    import pytest as _pytest
    from spiders.registry import RegistryError, load_sources as _load

    bad = tmp_path / "s.yaml"
    bad.write_text("sources:\n  - {id: a, name: A, kind: feed, url: 'file:///etc/passwd'}\n")
    with _pytest.raises(RegistryError, match=r"source #1 \(a\): only http\(s\)"):
        _load(bad)
    bad.write_text("sources:\n  - {id: a, name: A, kind: feed, url: 'https://x.example/'}\n"
                   "  - {id: a, name: B, kind: feed, url: 'https://y.example/'}\n")
    with _pytest.raises(RegistryError, match="source #2: duplicate id 'a'"):
        _load(bad)
    bad.write_text("sources: [{id: a, name: A, kind: site, url: 'https://x.example/'}]\n")
    with _pytest.raises(RegistryError, match="needs an article_pattern"):
        _load(bad)
    bad.write_text("not: [a list]\n")
    with _pytest.raises(RegistryError, match="top-level 'sources:' list"):
        _load(bad)
