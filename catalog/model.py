"""One tracked firm, as every part of the project sees it."""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class TrackedFirm:
    id: str                      # stable slug, e.g. "samsung-electronics-kr"
    name: str                    # display name, e.g. "Samsung Electronics Co., Ltd."
    aliases: tuple[str, ...] = field(default_factory=tuple)  # short names, former names, brands
    country: str = ""            # ISO 3166 alpha-2 of the headquarters
    sector: str = ""             # a Resource Centre sector name (taxonomy.md)
    website: str = ""
    isin: str = ""
    cik: str = ""
    tickers: tuple[str, ...] = field(default_factory=tuple)
    parent_id: str = ""
    curated: bool = False        # hand-curated entry (private / state-owned firms trackers follow)
    partner_ids: tuple[str, ...] = field(default_factory=tuple)  # a joint venture's partner firms
    cues: tuple[str, ...] = field(default_factory=tuple)  # people and products that identify it ("Musk")

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the firm may appear under in text: the name first, then aliases."""
        return (self.name, *self.aliases)


def with_cues(firms: list[TrackedFirm], cues: dict[str, list[str]]) -> list[TrackedFirm]:
    """The firms with the people and products that identify them in the news (catalog/brands.csv)."""
    return [replace(f, cues=(*f.cues, *cues[f.id])) if cues.get(f.id) else f for f in firms]


def with_extra_aliases(firms: list[TrackedFirm], extra: dict[str, list[str]]) -> list[TrackedFirm]:
    """The firms with more aliases (researchers' corrections: "this name is an alias of that firm")."""
    if not extra:
        return list(firms)
    out = []
    for firm in firms:
        added = [a for a in extra.get(firm.id, ()) if a not in firm.names]
        out.append(replace(firm, aliases=(*firm.aliases, *added)) if added else firm)
    return out
