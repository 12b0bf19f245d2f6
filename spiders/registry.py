"""The source registry (sources.yaml): which feeds and sites to collect from."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

KINDS = {"feed", "sitemap", "site"}
REQUIRED = ("id", "name", "kind", "url")


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the entry and the problem."""


def load_sources(path: Path, base_url: str | None = None) -> list[dict]:
    """Read and validate a registry. `base_url` replaces the {{BASE}} placeholder (demo site)."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read the source registry: {exc}") from exc
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a top-level 'sources:' list")
    sources, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: source #{number}"
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: not a mapping")
        missing = [key for key in REQUIRED if not entry.get(key)]
        if missing:
            raise RegistryError(f"{where}: missing {', '.join(missing)}")
        if entry["kind"] not in KINDS:
            raise RegistryError(f"{where} ({entry['id']}): kind must be one of {sorted(KINDS)}")
        if entry["id"] in seen:
            raise RegistryError(f"{where}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        source = {"language": "", "country": "", **entry}
        if base_url:
            source["url"] = source["url"].replace("{{BASE}}", base_url)
            source["start_urls"] = [u.replace("{{BASE}}", base_url) for u in source.get("start_urls", [])]
        for url in [source["url"], *source.get("start_urls", [])]:
            if "{{BASE}}" not in url and urlsplit(url).scheme not in ("http", "https"):
                raise RegistryError(f"{where} ({entry['id']}): only http(s) URLs are fetched, not {url!r}")
        if source["kind"] == "site" and not source.get("article_pattern"):
            raise RegistryError(f"{where} ({entry['id']}): a site source needs an article_pattern")
        sources.append(source)
    return sources
