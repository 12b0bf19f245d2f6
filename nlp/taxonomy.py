"""The issue taxonomy (``taxonomy.yaml`` at the project root) as typed, read-only data."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "taxonomy.yaml"


@dataclass(frozen=True)
class Tag:
    id: str
    name: str            # exactly as the Resource Centre writes it
    family_id: str
    family: str
    severity: int        # 1 context, 2 abuse, 3 grave abuse
    right: bool = False  # phrases name a right: its negation is the abuse, not a denial of it
    phrases: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()   # raw spaCy Matcher token patterns


@dataclass(frozen=True)
class Taxonomy:
    tags: tuple[Tag, ...]
    families: dict[str, str] = field(default_factory=dict)   # family id -> family name

    def by_id(self) -> dict[str, Tag]:
        return {t.id: t for t in self.tags}


def taxonomy_from_dict(data: dict) -> Taxonomy:
    tags: list[Tag] = []
    families: dict[str, str] = {}
    seen: set[str] = set()
    for fam in data.get("families", []):
        families[fam["id"]] = fam["name"]
        for t in fam.get("tags", []):
            if t["id"] in seen:
                raise ValueError(f"duplicate tag id {t['id']!r} in taxonomy")
            seen.add(t["id"])
            severity = int(t.get("severity", 2))
            if severity not in (1, 2, 3):
                raise ValueError(f"tag {t['id']!r}: severity must be 1, 2 or 3")
            tags.append(Tag(
                id=t["id"], name=t["name"], family_id=fam["id"], family=fam["name"], severity=severity,
                right=bool(t.get("right", False)),
                phrases=tuple(str(p) for p in t.get("phrases") or ()),
                lemmas=tuple(str(p) for p in t.get("lemmas") or ()),
                patterns=tuple(t.get("patterns") or ()),
            ))
    return Taxonomy(tags=tuple(tags), families=families)


class _StrictLoader(yaml.SafeLoader):
    """YAML keeps the last of two equal keys and drops the first without a word: a second ``patterns:`` added to
    a tag would silently discard the tag's other patterns. Refuse it instead, naming the line."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(f"{self.name}: line {key_node.start_mark.line + 1}: key {key!r} appears twice "
                                 "in the same entry (merge the two)")
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate the taxonomy file (default: ``taxonomy.yaml`` at the project root)."""
    path = Path(path) if path else DEFAULT_TAXONOMY_PATH
    with open(path, encoding="utf-8") as fh:
        return taxonomy_from_dict(yaml.load(fh, Loader=_StrictLoader))


def taxonomy_to_dict(taxonomy: Taxonomy) -> dict:
    """The inverse of :func:`taxonomy_from_dict` (used to save a component's taxonomy with the pipeline)."""
    families: dict[str, dict] = {}
    for t in taxonomy.tags:
        fam = families.setdefault(t.family_id, {"id": t.family_id, "name": t.family, "tags": []})
        entry: dict[str, Any] = {"id": t.id, "name": t.name, "severity": t.severity}
        if t.right:
            entry["right"] = True
        if t.phrases:
            entry["phrases"] = list(t.phrases)
        if t.lemmas:
            entry["lemmas"] = list(t.lemmas)
        if t.patterns:
            entry["patterns"] = list(t.patterns)
        fam["tags"].append(entry)
    for fid, fname in taxonomy.families.items():
        families.setdefault(fid, {"id": fid, "name": fname, "tags": []})
    return {"version": 1, "families": list(families.values())}
