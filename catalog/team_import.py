"""Import a team's own tracked-firm list, written the way researchers keep it.

Input: a CSV with at least a name column (``name``, ``company`` or ``firm``); optional ``aliases`` (``|`` or
``;`` between them), ``country`` (ISO code or name), ``sector`` and ``parent`` (a name or an id). Names may
carry the Resource Centre's notes in brackets, which become relations:

    Mittal Steel (part of ArcelorMittal)          parent: ArcelorMittal
    Transfield Services (now Broadspectrum)       the firm is Broadspectrum; Transfield Services a former name
    Acacia (formerly African Barrick Gold)        former name (an alias)
    Anjin (joint venture Anhui ..., ZMDC & ...)   joint-venture partners
    CWE (see China International Water & Electric)  an alias of that firm, no firm of its own
    Foo (also known as Bar)                       an alias

A parent or partner named in a note that is not in the list (or the base list) is added as a firm of its
own, and said so. Rows that cannot be read are reported with their line and skipped; a note that is not
understood is reported and ignored (the firm is still imported under its name).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .build import COLUMNS, country_code, firm_id
from .load import CompanyListError, RowProblem, load_companies, read_rows, well_formed_rows
from .model import TrackedFirm
from .names import normalise

NAME_COLUMNS = ("name", "company", "company name", "firm")
OUTPUT_COLUMNS = [*COLUMNS, "partner_ids"]

# Note wordings, tried in order ("now part of X" is a parent, not a new name).
NOTE_PATTERNS = [
    ("parent", re.compile(r"^(?:now\s+)?(?:a\s+)?(?:part of|subsidiary of|owned by|unit of|division of|"
                          r"brand of)\s+(?P<target>.+)$", re.I)),
    ("renamed", re.compile(r"^now(?:\s+called|\s+known as)?\s+(?P<target>.+)$", re.I)),
    ("former", re.compile(r"^(?:formerly(?:\s+known as)?|previously|fka|f/k/a)\s+(?P<target>.+)$", re.I)),
    ("venture", re.compile(r"^(?:a\s+)?(?:joint[- ]venture|jv)(?:\s+(?:of|between|with|partners?))?[:\s]+"
                           r"(?P<target>.+)$", re.I)),
    ("see", re.compile(r"^see\s+(?P<target>.+)$", re.I)),
    ("alias", re.compile(r"^(?:also known as|aka|a\.k\.a\.)\s+(?P<target>.+)$", re.I)),
]


@dataclass
class ListedName:
    name: str
    notes: list[tuple[str, str]] = field(default_factory=list)   # (kind, target text)
    unknown: list[str] = field(default_factory=list)             # notes not understood


class UnreadableName(ValueError):
    pass


def parse_listed_name(text: str) -> ListedName:
    """Split "Name (note) (note)" into the name and its notes. Raises UnreadableName."""
    text = " ".join(text.split())
    notes: list[str] = []
    while text.endswith(")"):
        depth, i = 0, len(text) - 1
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                break
        if depth != 0:
            raise UnreadableName(f"unbalanced brackets in {text!r}")
        notes.insert(0, text[i + 1:-1].strip())
        text = text[:i].strip()
    if not _balanced(text):
        raise UnreadableName(f"unbalanced brackets in {text!r}")
    if not normalise(text):
        raise UnreadableName("no name before the note" if notes else "empty name")
    listed = ListedName(text)
    for note in notes:
        for part in (p.strip() for p in note.split(";")):
            kind = next((k for k, rx in NOTE_PATTERNS if rx.match(part)), None)
            if kind is None:
                listed.unknown.append(part)
            else:
                listed.notes.append((kind, next(rx for k, rx in NOTE_PATTERNS if k == kind).match(part)["target"]))
    return listed


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@dataclass
class ImportReport:
    firms: list[TrackedFirm]
    problems: list[RowProblem]            # rows skipped
    notes: list[RowProblem]               # rows imported, with something the reader should know
    added: list[str]                      # firms created because a note named them

    def lines(self) -> list[str]:
        out = [(p.line, f"line {p.line}: skipped: {p.reason}") for p in self.problems]
        out += [(p.line, f"line {p.line}: {p.reason}") for p in self.notes]
        return [text for _, text in sorted(out, key=lambda pair: pair[0])]


@dataclass
class _Draft:
    line: int
    name: str
    aliases: list[str]
    country: str = ""
    sector: str = ""
    parent: str = ""                      # a name or an id, resolved at the end
    partners: list[str] = field(default_factory=list)
    base_id: str = ""                     # the base list's firm this row updates


class _Index:
    """Normalised name or alias -> draft, for the imported list and the base list together."""

    def __init__(self, base: list[TrackedFirm]):
        self.by_key: dict[str, _Draft] = {}
        self.drafts: list[_Draft] = []
        self.base_ids = {f.id for f in base}
        for firm in base:
            draft = _Draft(0, firm.name, list(firm.aliases), firm.country, firm.sector, firm.parent_id,
                           list(firm.partner_ids), base_id=firm.id)
            self._add(draft)

    def _add(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        for surface in (draft.name, *draft.aliases):
            self.by_key.setdefault(normalise(surface), draft)
        return draft

    def find(self, name: str) -> _Draft | None:
        return self.by_key.get(normalise(name))

    def find_or_add(self, name: str, line: int) -> tuple[_Draft, bool]:
        found = self.find(name) or next((d for d in self.drafts if d.base_id == name), None)
        return (found, False) if found else (self._add(_Draft(line, name, [])), True)

    def add_alias(self, draft: _Draft, alias: str) -> None:
        if alias not in (draft.name, *draft.aliases):
            draft.aliases.append(alias)
            self.by_key.setdefault(normalise(alias), draft)

    def merge(self, draft: _Draft) -> _Draft:
        """A row naming a firm already known (in the base list or an earlier row) updates it."""
        known = self.find(draft.name) or next((self.find(a) for a in draft.aliases if self.find(a)), None)
        if known is None:
            return self._add(draft)
        for alias in [draft.name, *draft.aliases]:
            self.add_alias(known, alias)
        known.country = known.country or draft.country
        known.sector = known.sector or draft.sector
        known.parent = known.parent or draft.parent
        known.partners += [p for p in draft.partners if p not in known.partners]
        known.line = known.line or draft.line
        return known


def import_team_list(path: Path, base_path: Path | None = None) -> ImportReport:
    """Read a team's list (and merge it into ``base_path``, a companies.csv, when given)."""
    header, rows = read_rows(Path(path))
    cols = {c.casefold().strip(): i for i, c in enumerate(header)}
    name_col = next((cols[c] for c in NAME_COLUMNS if c in cols), None)
    if name_col is None:
        raise CompanyListError(f"{path}: no name column (one of: {', '.join(NAME_COLUMNS)}); "
                               f"found: {', '.join(header) or 'nothing'}")
    base = load_companies(base_path)[0] if base_path else []
    index = _Index(base)
    problems: list[RowProblem] = []
    notes: list[RowProblem] = []
    cross_refs: list[tuple[int, str, str]] = []       # (line, alias, target name)

    def cell(cells: list[str], *names: str) -> str:
        i = next((cols[n] for n in names if n in cols), None)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for line, cells in well_formed_rows(header, rows, problems):
        try:
            listed = parse_listed_name(cells[name_col])
        except UnreadableName as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        raw_country = cell(cells, "country")
        country = country_code(raw_country)
        if raw_country and not country:
            notes.append(RowProblem(line, f"country {raw_country!r} not recognised: left empty"))
        for unknown in listed.unknown:
            if not country and country_code(unknown):
                country = country_code(unknown)     # "Foo Mining (Bangladesh)"
            else:
                notes.append(RowProblem(line, f"note ({unknown}) not understood: ignored"))
        aliases = [a.strip() for a in re.split(r"[|;]", cell(cells, "aliases", "alias")) if a.strip()]
        draft = _Draft(line, listed.name, aliases, country, cell(cells, "sector"), cell(cells, "parent", "parent_id"))
        see = [t for k, t in listed.notes if k == "see"]
        if see:
            cross_refs += [(line, alias, see[0]) for alias in (listed.name, *aliases)]
            continue
        for kind, target in listed.notes:
            if kind == "renamed":
                draft.aliases.insert(0, draft.name)
                draft.name = target
            elif kind in ("former", "alias"):
                draft.aliases.append(target)
            elif kind == "parent":
                draft.parent = target
            elif kind == "venture":
                draft.partners += split_partners(target, index)
        index.merge(draft)

    for line, alias, target in cross_refs:
        owner, created = index.find_or_add(target, line)
        index.add_alias(owner, alias)
        if created:
            notes.append(RowProblem(line, f"'{alias}' points to '{target}', not in the list: added it as a firm"))
    added: list[str] = []
    for draft in list(index.drafts):
        for ref in (r for r in (draft.parent, *draft.partners) if r):
            _, created = index.find_or_add(ref, draft.line)
            if created:
                added.append(ref)
                notes.append(RowProblem(draft.line, f"'{ref}' (named in a note) is not in the list: added it as a firm"))
    return ImportReport(_to_firms(index), problems, notes, added)


def split_partners(text: str, index: _Index) -> list[str]:
    """ "A, B & Govt. of C" -> [A, B, Govt. of C]; a known name with "&" or "and" in it stays whole."""
    out: list[str] = []
    for piece in (p.strip() for p in re.split(r"\s*[,;]\s*", text) if p.strip()):
        if index.find(piece):
            out.append(piece)
            continue
        out += [p.strip() for p in re.split(r"\s+(?:&|and)\s+", piece) if p.strip()]
    return out


def _to_firms(index: _Index) -> list[TrackedFirm]:
    ids: dict[int, str] = {}
    taken = set(index.base_ids)
    for draft in index.drafts:
        if draft.base_id:
            ids[id(draft)] = draft.base_id
            continue
        stem = fid = firm_id(draft.name, draft.country)
        n = 2
        while fid in taken:
            fid, n = f"{stem}-{n}", n + 1
        taken.add(fid)
        ids[id(draft)] = fid

    def ref_id(ref: str) -> str:
        if not ref:
            return ""
        if ref in index.base_ids:
            return ref
        found = index.find(ref)
        return ids[id(found)] if found else ""

    firms = []
    for draft in index.drafts:
        own = ids[id(draft)]
        aliases = tuple(dict.fromkeys(a for a in draft.aliases if normalise(a) != normalise(draft.name)))
        parent = ref_id(draft.parent)
        firms.append(TrackedFirm(
            id=own, name=draft.name, aliases=aliases, country=draft.country, sector=draft.sector,
            parent_id=parent if parent != own else "",
            partner_ids=tuple(dict.fromkeys(p for p in map(ref_id, draft.partners) if p and p != own)),
        ))
    return firms


def write_companies_csv(firms: list[TrackedFirm], path: Path, base_path: Path | None = None) -> None:
    """Write the list in companies.csv's format; base rows keep their other columns (website, isin...)."""
    base_rows: dict[str, dict] = {}
    if base_path:
        with open(base_path, newline="", encoding="utf-8") as fh:
            base_rows = {row["id"]: row for row in csv.DictReader(fh) if row.get("id")}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=OUTPUT_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for firm in firms:
        row = {c: "" for c in OUTPUT_COLUMNS} | base_rows.get(firm.id, {})
        row.update(id=firm.id, name=firm.name, aliases="|".join(firm.aliases), country=firm.country,
                   sector=firm.sector, parent_id=firm.parent_id, partner_ids="|".join(firm.partner_ids))
        row["curated"] = row.get("curated") or "1"
        row["tier"] = row.get("tier") or "team"
        writer.writerow(row)
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)   # a crash mid-write never leaves a half list behind


