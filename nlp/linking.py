"""Tie a company mention to one tracked firm id, with a confidence in [0, 1] and a reason.

Order of attempts:
1. exact lookup of the normalised mention among the normalised names and aliases;
2. a one-word mention that starts the names of exactly one firm ("Samsung" -> "Samsung Electronics"), unless
   that firm's name places it in a country (a national unit of an untracked group: "INEOS Styrolution India");
3. rapidfuzz ``fuzz.ratio`` over a small candidate block (the keys sharing a distinctive token with the
   mention), always with ``score_cutoff``.
Results are cached per mention. A firm whose ``parent_id`` is tracked also yields its parent(s), and a joint
venture its tracked partners (``partner_ids``); each such link names the relation it came through.

Researchers' corrections arrive as ``blocked`` pairs (normalised name, firm id): that name never links to that
firm, whichever step would have found it. (Their "this name is an alias" corrections are plain aliases.)
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable, Protocol

from rapidfuzz import fuzz, process

from catalog.names import group_head

from .names import normalise

DEFAULT_FUZZY_CUTOFF = 90.0
# Word by word, a fuzzy match must still be close: "bahn"/"bank" (75) is another word, "electronic"/
# "electronics" (95) or "mauritz"/"maurits" (86) a spelling.
MIN_TOKEN_RATIO = 80.0
# Tokens too common in company names to select a candidate block on their own.
GENERIC_TOKENS = frozenset(
    "the and of group international holdings holding global bank company corporation industries "
    "energy capital technologies technology systems services resources partners financial national "
    "china american general united new first de la e".split()
)

# Words that make a name the group itself ("Alibaba Group Holding"), not one business of it.
GROUP_WORDS = frozenset("group holding holdings international global company corporation and of the".split())


class FirmLike(Protocol):
    id: str
    name: str
    aliases: tuple[str, ...]
    parent_id: str
    partner_ids: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    firm_id: str
    name: str            # the firm's display name
    confidence: float
    reason: str
    via_parent_of: str = ""   # child firm id when this link was derived through parent_id or partner_ids
    relation: str = ""        # "" (named), "parent" or "joint-venture partner"


class FirmLinker:
    """Normalised exact + blocked fuzzy lookup over tracked firms' names and aliases."""

    def __init__(self, firms: Iterable[FirmLike], *, fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF,
                 max_block: int = 500, protected_keys: Iterable[str] = (),
                 blocked: Iterable[tuple[str, str]] = (), place_words: Iterable[str] = ()):
        self.fuzzy_cutoff = fuzzy_cutoff
        self.max_block = max_block
        self.protected_keys = set(protected_keys)   # keys only the gazetteer's case/evidence rules may link
        self.blocked = set(blocked)                 # (normalised name, firm id) a researcher ruled out
        self.place_words = frozenset(w.lower() for w in place_words)   # country names, demonyms
        self.names: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        self.partners: dict[str, tuple[str, ...]] = {}
        self.exact: dict[str, list[tuple[str, bool]]] = defaultdict(list)   # key -> [(firm id, is main name)]
        self.group_keys: dict[str, str] = {}         # firm id -> its name's head before "Group" / "Holdings"
        for firm in firms:
            self.names[firm.id] = firm.name
            head = group_head(firm.name)
            if head:
                self.group_keys[firm.id] = normalise(head)
            if firm.parent_id:
                self.parents[firm.id] = firm.parent_id
            if getattr(firm, "partner_ids", ()):
                self.partners[firm.id] = tuple(firm.partner_ids)
            for i, surface in enumerate(firm.names):
                # "McDonald's" normalises to "mcdonald"; the news also writes "McDonalds".
                unquoted = normalise(surface.replace("'", "").replace("’", ""))
                for key in {normalise(surface), unquoted}:
                    if key and all(fid != firm.id for fid, _ in self.exact.get(key, ())):
                        self.exact[key].append((firm.id, i == 0))
        self.blocks: dict[str, list[str]] = defaultdict(list)
        self.first_tokens: dict[str, set[str]] = defaultdict(set)   # first word -> firm ids
        for key, firms_of_key in self.exact.items():
            toks = key.split()
            for tok in set(toks):
                if tok not in GENERIC_TOKENS and len(tok) > 1:
                    self.blocks[tok].append(key)
            if len(toks) > 1 and toks[0] not in GENERIC_TOKENS and len(toks[0]) > 2:
                self.first_tokens[toks[0]].update(fid for fid, _ in firms_of_key)
        self._cache: dict[str, Link | None] = {}

    def __len__(self) -> int:
        return len(self.names)

    # -- exact -------------------------------------------------------------------------------
    def resolve_key(self, key: str, surface: str) -> Link | None:
        """Resolve an exact normalised key (several firms may share an alias: pick one, lower confidence)."""
        cands = self.exact.get(key)
        if cands and self.blocked:
            cands = [c for c in cands if (key, c[0]) not in self.blocked]
        if not cands:
            return None
        if len(cands) == 1:
            fid, main = cands[0]
            kind = "name" if main else "alias"
            return Link(fid, self.names[fid], 1.0 if main else 0.95, f"exact {kind} '{surface}'")
        # A name shared by a firm and its tracked parent is the parent: the news names the group ("SoftBank" is
        # SoftBank Group Corp., whose unit SoftBank Corp. bears the bare name; "Whirlpool" is Whirlpool
        # Corporation, not Whirlpool S.A.). Then prefer a firm whose main name it is, then the group whose name
        # it heads, then a top-level firm (no parent), then the shortest id.
        ids = {c[0] for c in cands}
        if len(ids) > 1:
            cands = [c for c in cands if not self._ancestors(c[0]) & ids] or cands
        fid, main = sorted(cands, key=lambda c: (not c[1], self.group_keys.get(c[0]) != key, c[0] in self.parents,
                                                 len(c[0]), c[0]))[0]
        conf = max(0.5, round(0.95 - 0.1 * (len(cands) - 1), 2))
        return Link(fid, self.names[fid], conf, f"exact alias '{surface}' (shared by {len(cands)} firms)")

    # -- full lookup -------------------------------------------------------------------------
    def link(self, mention: str) -> Link | None:
        """Exact normalised lookup, then fuzzy over the candidate block. Cached."""
        if mention in self._cache:
            return self._cache[mention]
        if len(self._cache) > 200_000:
            self._cache.clear()
        result = self._link(mention)
        self._cache[mention] = result
        return result

    def _link(self, mention: str) -> Link | None:
        key = normalise(mention)
        if not key or key in self.protected_keys:
            return None
        hit = self.resolve_key(key, mention)
        if hit:
            return hit
        if len(key) < 4:
            return None
        prefix = self.first_tokens.get(key)
        if prefix and len(prefix) == 1 and self._regional(next(iter(prefix))):
            prefix = None     # "Ineos" is the group, not its one tracked unit "INEOS Styrolution India"
        if prefix and len(prefix) == 1 and not self.is_blocked(key, next(iter(prefix))):
            # "Samsung" when only one tracked firm's names start with it ("Samsung Electronics")
            fid = next(iter(prefix))
            return Link(fid, self.names[fid], 0.8, f"first word of '{self.names[fid]}' (only tracked firm)")
        if prefix:
            # "Alibaba": of "Alibaba Group Holding" and "Alibaba Health Information Technology", the one
            # that is the word plus generic words only is the group the news means.
            bare = [fid for fid in prefix if not self.is_blocked(key, fid)
                    and [t for t in normalise(self.names[fid]).split() if t not in GROUP_WORDS] == [key]]
            if len(bare) == 1:
                fid = bare[0]
                return Link(fid, self.names[fid], 0.75,
                            f"first word of '{self.names[fid]}' (the group among {len(prefix)} tracked firms)")
        block: set[str] = set()
        for tok in set(key.split()):
            keys = self.blocks.get(tok)
            if keys and len(keys) <= self.max_block:
                block.update(keys)
        block -= self.protected_keys
        if not block:
            return None
        best = process.extractOne(key, list(block), scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
        if best is None:
            return None
        cand_key, score, _ = best
        if len(cand_key.split()) != len(key.split()) and score < 95:
            return None      # "communications" is not "b communications"
        if len(cand_key.split()) == len(key.split()) and any(
                fuzz.ratio(mine, theirs) < MIN_TOKEN_RATIO for mine, theirs in zip(key.split(), cand_key.split())):
            return None      # "deutsche bahn" is not "deutsche bank": a typo spoils a word, not replaces it
        exact = self.resolve_key(cand_key, cand_key)
        if exact is None or self.is_blocked(key, exact.firm_id):
            return None
        shown = self.names[exact.firm_id] if normalise(self.names[exact.firm_id]) == cand_key else cand_key
        return replace(exact, confidence=round(min(exact.confidence, score / 100) * 0.9, 3),
                       reason=f"fuzzy {score:.0f} on '{shown}'")

    def _ancestors(self, firm_id: str) -> set[str]:
        """The firm's tracked parents up the chain (cycle-safe)."""
        out: set[str] = set()
        while firm_id in self.parents and self.parents[firm_id] not in out:
            firm_id = self.parents[firm_id]
            out.add(firm_id)
        return out

    def _regional(self, firm_id: str) -> bool:
        """The firm's name places it in one country after its first word: a national unit of a group."""
        return any(tok in self.place_words for tok in normalise(self.names[firm_id]).split()[1:])

    def is_blocked(self, key: str, firm_id: str) -> bool:
        return (key, firm_id) in self.blocked

    # -- relations ---------------------------------------------------------------------------
    def with_parents(self, link: Link, key: str = "") -> list[Link]:
        """The link followed by one link per tracked ancestor, then per tracked joint-venture partner of the
        firm or its ancestors (cycle-safe). ``key``: the mention's normalised name, to honour corrections."""
        out = [link]
        seen = {link.firm_id}
        child = link.firm_id
        parent = self.parents.get(child)
        conf = link.confidence
        while parent and parent not in seen and parent in self.names:
            conf = round(conf * 0.9, 3)
            if not self.is_blocked(key, parent):
                out.append(Link(parent, self.names[parent], conf,
                                f"via parent of {self.names[child]} ({link.reason})",
                                via_parent_of=link.firm_id, relation="parent"))
            seen.add(parent)
            child, parent = parent, self.parents.get(parent)
        for venture in [link.firm_id, *(l.firm_id for l in out[1:])]:
            for partner in self.partners.get(venture, ()):
                if partner in seen or partner not in self.names or self.is_blocked(key, partner):
                    continue
                seen.add(partner)
                out.append(Link(partner, self.names[partner], round(link.confidence * 0.8, 3),
                                f"partner in joint venture {self.names[venture]} ({link.reason})",
                                via_parent_of=venture, relation="joint-venture partner"))
        return out
