"""Check a tracked-firm CSV: errors (with line numbers) and alias-collision warnings."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from .load import CompanyListError, RowProblem, read_rows, well_formed_rows
from .names import normalise


@dataclass
class CheckReport:
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    firms: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _valid_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def check_companies_csv(path: Path) -> CheckReport:
    rep = CheckReport()
    try:
        header, rows = read_rows(Path(path))
    except CompanyListError as exc:
        rep.errors.append(RowProblem(1, str(exc)))
        return rep
    cols = {c.casefold(): i for i, c in enumerate(header)}
    if "name" not in cols:
        rep.errors.append(RowProblem(1, "no 'name' column in the header"))
        return rep

    def get(cells, key):
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    ids: dict[str, int] = {}
    parents: list[tuple[int, str]] = []
    alias_owner: dict[str, set[str]] = defaultdict(set)
    for line, cells in well_formed_rows(header, rows, rep.errors):
        name = get(cells, "name")
        fid = get(cells, "id")
        if not name:
            rep.errors.append(RowProblem(line, "empty name"))
        if "id" in cols:
            if not fid:
                rep.errors.append(RowProblem(line, "empty id"))
            elif fid in ids:
                rep.errors.append(RowProblem(line, f"duplicate id {fid!r} (first on line {ids[fid]})"))
            else:
                ids[fid] = line
        cc = get(cells, "country")
        if cc and not _valid_country(cc):
            rep.errors.append(RowProblem(line, f"bad country code {cc!r} (want ISO 3166 alpha-2)"))
        p = get(cells, "parent_id")
        if p:
            parents.append((line, p))
        if name:
            rep.firms += 1
            for a in {normalise(x) for x in [name, *get(cells, "aliases").split("|")] if x.strip()}:
                if a:
                    alias_owner[a].add(fid or name)
    for line, p in parents:
        if p not in ids:
            rep.errors.append(RowProblem(line, f"parent_id {p!r} is not the id of any firm in the file"))
    rep.errors.sort(key=lambda e: e.line)
    for alias in sorted(alias_owner):
        owners = alias_owner[alias]
        if len(owners) > 1:
            rep.warnings.append(f"alias collision {alias!r}: {', '.join(sorted(owners))}")
    return rep
