"""Read any tracked-firm CSV (at least a `name` column) into TrackedFirm objects."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .model import TrackedFirm, with_cues, with_extra_aliases


class CompanyListError(ValueError):
    """The file cannot be read as a tracked-firm list at all (e.g. no `name` column)."""


@dataclass(frozen=True)
class RowProblem:
    line: int      # 1-based line number in the file (header = line 1)
    reason: str


def _slug_id(name: str, country: str) -> str:
    from .build import firm_id
    return firm_id(name, country)


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str] | None, str]]]:
    """(header, [(line, cells or None, problem)]) - physical line numbers, tolerant of bad bytes."""
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")
    header_cells: list[str] = []
    out: list[tuple[int, list[str] | None, str]] = []
    # decode line by line so a bad byte sequence costs one row, not the file
    text_lines: list[tuple[int, str | None]] = []
    for i, b in enumerate(lines, start=1):
        try:
            text_lines.append((i, b.decode("utf-8").rstrip("\r")))
        except UnicodeDecodeError:
            text_lines.append((i, None))
    if not text_lines or text_lines[0][1] is None:
        raise CompanyListError(f"{path}: header line is not valid UTF-8")
    # re-join into records (quoted fields may span lines); csv module over a text stream keeps line_num
    good = "\n".join(t if t is not None else "" for _, t in text_lines)
    bad_lines = {i for i, t in text_lines if t is None}
    reader = csv.reader(io.StringIO(good))
    start = 1
    first = True
    for cells in reader:
        end = reader.line_num
        if first:
            header_cells = [c.strip().lstrip("\ufeff") for c in cells]
            first = False
            start = end + 1
            continue
        line = start
        start = end + 1
        if line in bad_lines:
            out.append((line, None, "unreadable encoding (not UTF-8)"))
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        out.append((line, cells, ""))
    return header_cells, out


BRANDS_PATH = Path(__file__).with_name("brands.csv")


def load_brands(path: Path = BRANDS_PATH, kind: str = "brand") -> dict[str, list[str]]:
    """Firm id -> names from catalog/brands.csv. Kind "brand": the brands, outlets, subsidiaries and short
    names a firm is known by in the news ("Reuters", "Uber Eats", "Sky News"; the listings companies.csv
    is built from name only the holding). Kind "cue": people and products whose mention shows that an
    ambiguous name is the firm ("Musk" for X, "iPhone" for Apple); they are evidence, never aliases."""
    names: dict[str, list[str]] = {}
    if path.exists():
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("firm_id") and row.get("name", "").strip() and (row.get("kind") or "brand") == kind:
                    names.setdefault(row["firm_id"].strip(), []).append(row["name"].strip())
    return names


def well_formed_rows(header: list[str], rows: list[tuple[int, list[str] | None, str]],
                     problems: list[RowProblem]):
    """(line, cells) for each row read_rows could decode and that has the header's width; the others are
    added to ``problems`` with their line."""
    for line, cells, problem in rows:
        if cells is None:
            problems.append(RowProblem(line, problem))
        elif len(cells) != len(header):
            problems.append(RowProblem(line, f"wrong column count: {len(cells)} fields, header has {len(header)}"))
        else:
            yield line, cells


def load_companies(path: Path, brands: dict[str, list[str]] | None = None) -> tuple[list[TrackedFirm], list[RowProblem]]:
    """Read a tracked-firm CSV. ``brands`` (default: catalog/brands.csv) adds aliases and cues to the firms
    whose ids it names; pass {} to read the file alone."""
    firms, problems = _read_companies(Path(path))
    if brands is None:
        return with_cues(with_extra_aliases(firms, load_brands()), load_brands(kind="cue")), problems
    return with_extra_aliases(firms, brands), problems


def _read_companies(path: Path) -> tuple[list[TrackedFirm], list[RowProblem]]:
    header, rows = read_rows(Path(path))
    cols = {c.casefold(): i for i, c in enumerate(header)}
    if "name" not in cols:
        raise CompanyListError(f"{path}: no 'name' column in the header (found: {', '.join(header) or 'nothing'})")
    firms: list[TrackedFirm] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}

    def get(cells: list[str], key: str) -> str:
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for line, cells in well_formed_rows(header, rows, problems):
        name = get(cells, "name")
        if not name:
            problems.append(RowProblem(line, "empty name"))
            continue
        country = get(cells, "country").upper()
        fid = get(cells, "id") or _slug_id(name, country)
        if fid in seen:
            problems.append(RowProblem(line, f"duplicate id {fid!r} (first on line {seen[fid]})"))
            continue
        seen[fid] = line
        firms.append(TrackedFirm(
            id=fid, name=name,
            aliases=tuple(a.strip() for a in get(cells, "aliases").split("|") if a.strip()),
            country=country, sector=get(cells, "sector"), website=get(cells, "website"),
            isin=get(cells, "isin"), cik=get(cells, "cik"),
            tickers=tuple(t.strip() for t in get(cells, "tickers").split("|") if t.strip()),
            parent_id=get(cells, "parent_id"),
            partner_ids=tuple(p.strip() for p in get(cells, "partner_ids").split("|") if p.strip()),
            curated=get(cells, "curated").lower() in ("1", "true", "yes"),
        ))
    return firms, problems
