"""Build companies.csv (the tracked-firm list) from the shared raw sources plus catalog/curated.csv.

Sources (never copied into the project): FinanceDatabase equities extract, SEC company_tickers_exchange.json,
OpenSanctions org_types.yml (legal forms). See /work/shared/data/companies-sources/SOURCES.md.

The output is deterministic: same inputs -> byte-identical companies.csv (rows sorted by id).
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry
import yaml

from . import names
from .names import fold, is_safe_alias, normalise, short_name

CATALOG_DIR = Path(__file__).resolve().parent
DEFAULT_CURATED = CATALOG_DIR / "curated.csv"
FD_FILE = "FinanceDatabase_equities_smallcap_plus.csv"
SEC_FILE = "company_tickers_exchange.json"
ORG_TYPES_FILE = "org_types.yml"

COLUMNS = ["id", "name", "aliases", "country", "sector", "website", "isin", "cik", "tickers",
           "parent_id", "tier", "curated"]

TIER_OF = {"Mega Cap": "Mega", "Large Cap": "Large", "Mid Cap": "Mid", "Small Cap": "Small",
           "Unknown (3+ exchanges)": "Unknown"}
TIER_RANK = {"curated": 0, "Mega": 1, "Large": 2, "Mid": 3, "Small": 4, "Unknown": 5}
# Share of the final list any one country may take (the biggest tiers are kept first).
COUNTRY_CAP_SHARE = 0.20
# Yahoo-style symbol suffixes of home exchanges (used only when the country field is empty).
HOME_EXCHANGE_COUNTRY = {"T": "JP", "KS": "KR", "KQ": "KR", "SS": "CN", "SZ": "CN", "HK": "HK", "TW": "TW",
                         "TWO": "TW", "NS": "IN", "BO": "IN", "AX": "AU", "TO": "CA", "V": "CA", "ST": "SE",
                         "OL": "NO", "HE": "FI", "CO": "DK", "PA": "FR", "MC": "ES", "MI": "IT", "AS": "NL",
                         "BR": "BE", "SW": "CH", "JK": "ID", "KL": "MY", "BK": "TH", "SI": "SG", "JO": "ZA",
                         "IS": "TR", "SR": "SA", "TA": "IL", "NZ": "NZ", "WA": "PL", "AT": "GR", "LS": "PT",
                         "IR": "IE", "ME": "RU"}
GERMAN_SUFFIXES = {"BE", "DE", "F", "HA", "DU", "MU", "SG", "HM"}
FOREIGN_LISTING_SUFFIXES = GERMAN_SUFFIXES | {"SA", "MX", "BA", "VI", "SN", "L"}

COUNTRY_FIXES = {
    "South Korea": "KR", "Russia": "RU", "Taiwan": "TW", "Vietnam": "VN", "Czech Republic": "CZ",
    "Turkey": "TR", "Macau": "MO", "British Virgin Islands": "VG", "Netherlands Antilles": "CW",
    "Iran": "IR", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ", "Laos": "LA", "Syria": "SY",
    "Moldova": "MD", "Ivory Coast": "CI", "Cote d'Ivoire": "CI", "Democratic Republic of the Congo": "CD",
    "DR Congo": "CD", "DRC": "CD", "Republic of the Congo": "CG", "UK": "GB", "USA": "US",
    "United States of America": "US", "Hong Kong": "HK", "Palestine": "PS", "Kosovo": "XK",
}

# Resource Centre sector names (taxonomy.md, "Sectors").
SECTORS = [
    "Mining", "Oil, gas & coal", "Technology, telecom & electronics", "Internet & social media",
    "Clothing & textile", "Footwear", "Finance & banking", "Insurance", "Energy", "Hydropower & dam projects",
    "Nuclear energy", "Food & beverage", "Agriculture & livestock", "Palm trees & oil", "Metals & steel",
    "Construction", "Cement", "Building materials & equipment", "Retail", "Supermarkets & grocery",
    "Diversified/Conglomerates", "Engineering", "Automobile & other motor vehicles", "Pharmaceutical",
    "Chemical", "Security companies", "Arms/Weapons", "Military/defence", "Aircraft/Airline",
    "Shipping, ship-building & ship-scrapping", "Transport", "Hotel", "Tourism", "Property development",
    "Logging & lumber", "Sporting goods", "Auditing, consulting & accounting", "Media & entertainment",
]
INDUSTRY_SECTOR = {
    "Metals & Mining": "Mining",
    "Oil, Gas & Consumable Fuels": "Oil, gas & coal",
    "Energy Equipment & Services": "Oil, gas & coal",
    "Oil & Gas Midstream": "Oil, gas & coal",
    "Textiles, Apparel & Luxury Goods": "Clothing & textile",
    "Food Products": "Food & beverage",
    "Beverages": "Food & beverage",
    "Tobacco": "Agriculture & livestock",
    "Food & Staples Retailing": "Supermarkets & grocery",
    "Construction & Engineering": "Construction",
    "Construction Materials": "Cement",
    "Building Products": "Building materials & equipment",
    "Paper & Forest Products": "Logging & lumber",
    "Chemicals": "Chemical",
    "Electronic Equipment, Instruments & Components": "Technology, telecom & electronics",
    "Semiconductors & Semiconductor Equipment": "Technology, telecom & electronics",
    "Technology Hardware, Storage & Peripherals": "Technology, telecom & electronics",
    "Communications Equipment": "Technology, telecom & electronics",
    "Diversified Telecommunication Services": "Technology, telecom & electronics",
    "Telecommunications Services": "Technology, telecom & electronics",
    "Software": "Technology, telecom & electronics",
    "IT Services": "Technology, telecom & electronics",
    "Interactive Media & Services": "Internet & social media",
    "Internet & Direct Marketing Retail": "Retail",
    "Specialty Retail": "Retail",
    "Distributors": "Retail",
    "Multiline Retail": "Retail",
    "Banks": "Finance & banking",
    "Capital Markets": "Finance & banking",
    "Consumer Finance": "Finance & banking",
    "Diversified Financial Services": "Finance & banking",
    "Thrifts & Mortgage Finance": "Finance & banking",
    "Insurance": "Insurance",
    "Electric Utilities": "Energy",
    "Gas Utilities": "Energy",
    "Multi-Utilities": "Energy",
    "Independent Power and Renewable Electricity Producers": "Energy",
    "Water Utilities": "Energy",
    "Industrial Conglomerates": "Diversified/Conglomerates",
    "Machinery": "Engineering",
    "Electrical Equipment": "Engineering",
    "Trading Companies & Distributors": "Diversified/Conglomerates",
    "Automobiles": "Automobile & other motor vehicles",
    "Auto Components": "Automobile & other motor vehicles",
    "Pharmaceuticals": "Pharmaceutical",
    "Biotechnology": "Pharmaceutical",
    "Life Sciences Tools & Services": "Pharmaceutical",
    "Health Care Equipment & Supplies": "Pharmaceutical",
    "Health Care Providers & Services": "Pharmaceutical",
    "Health Care Technology": "Pharmaceutical",
    "Aerospace & Defense": "Military/defence",
    "Airlines": "Aircraft/Airline",
    "Marine": "Shipping, ship-building & ship-scrapping",
    "Air Freight & Logistics": "Transport",
    "Road & Rail": "Transport",
    "Transportation Infrastructure": "Transport",
    "Hotels, Restaurants & Leisure": "Hotel",
    "Real Estate Management & Development": "Property development",
    "Equity Real Estate Investment Trusts (REITs)": "Property development",
    "Leisure Products": "Sporting goods",
    "Household Durables": "Technology, telecom & electronics",
    "Household Products": "Food & beverage",
    "Personal Products": "Food & beverage",
    "Professional Services": "Auditing, consulting & accounting",
    "Commercial Services & Supplies": "Auditing, consulting & accounting",
    "Diversified Consumer Services": "Auditing, consulting & accounting",
    "Entertainment": "Media & entertainment",
    "Media": "Media & entertainment",
}
GROUP_SECTOR = {
    "Energy": "Oil, gas & coal", "Materials": "Chemical", "Capital Goods": "Engineering",
    "Commercial & Professional Services": "Auditing, consulting & accounting", "Transportation": "Transport",
    "Automobiles & Components": "Automobile & other motor vehicles", "Consumer Durables & Apparel": "Retail",
    "Consumer Services": "Hotel", "Retailing": "Retail", "Food & Staples Retailing": "Supermarkets & grocery",
    "Food, Beverage & Tobacco": "Food & beverage", "Household & Personal Products": "Food & beverage",
    "Health Care Equipment & Services": "Pharmaceutical",
    "Pharmaceuticals, Biotechnology & Life Sciences": "Pharmaceutical", "Banks": "Finance & banking",
    "Diversified Financials": "Finance & banking", "Insurance": "Insurance", "Real Estate": "Property development",
    "Software & Services": "Technology, telecom & electronics",
    "Technology Hardware & Equipment": "Technology, telecom & electronics",
    "Semiconductors & Semiconductor Equipment": "Technology, telecom & electronics",
    "Telecommunication Services": "Technology, telecom & electronics",
    "Media & Entertainment": "Media & entertainment", "Utilities": "Energy",
}
TOP_SECTOR = {
    "Energy": "Oil, gas & coal", "Materials": "Chemical", "Industrials": "Engineering",
    "Consumer Discretionary": "Retail", "Consumer Staples": "Food & beverage", "Health Care": "Pharmaceutical",
    "Financials": "Finance & banking", "Information Technology": "Technology, telecom & electronics",
    "Communication Services": "Media & entertainment", "Utilities": "Energy", "Real Estate": "Property development",
}
# Small caps are kept only in these (high human-rights-risk) sectors.
HIGH_RISK_SECTORS = {"Mining", "Oil, gas & coal", "Clothing & textile", "Footwear", "Agriculture & livestock",
                     "Food & beverage", "Palm trees & oil", "Metals & steel", "Construction", "Cement",
                     "Building materials & equipment", "Logging & lumber",
                     # extension (documented): renewable/hydro power (land rights), arms & defence,
                     # ship-building/scrapping and chemicals (pesticides, pollution) are core tracker sectors too
                     "Energy", "Hydropower & dam projects", "Nuclear energy", "Military/defence", "Arms/Weapons",
                     "Security companies", "Shipping, ship-building & ship-scrapping", "Chemical",
                     # vehicles and parts: battery minerals, rubber, mica supply chains
                     "Automobile & other motor vehicles"}
APPAREL_WORDS = re.compile(r"\b(apparel|garment|clothing|footwear|textile|fashion)", re.I)
APPLIANCE_WORDS = re.compile(r"\b(electronic|appliance|television|air conditioner|refrigerator|battery|batteries)", re.I)
ELECTRONICS_INDUSTRIES = {"Electronic Equipment, Instruments & Components",
                          "Semiconductors & Semiconductor Equipment",
                          "Technology Hardware, Storage & Peripherals", "Communications Equipment"}

# Obvious parent/subsidiary links among listed firms (child id -> parent id), kept modest on purpose.
LISTED_PARENTS = {
    "telefonica-brasil-br": "telefonica-es",
    "telefonica-deutschland-holding-de": "telefonica-es",
    "telefonica-chile-cl": "telefonica-es",
    "samsung-sdi-kr": "samsung-electronics-kr",
}


# --------------------------------------------------------------------------------------------- helpers

def country_code(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    if raw in COUNTRY_FIXES:
        return COUNTRY_FIXES[raw]
    if len(raw) == 2 and pycountry.countries.get(alpha_2=raw.upper()):
        return raw.upper()
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        pass
    try:
        hits = pycountry.countries.search_fuzzy(raw)
        return hits[0].alpha_2 if len(hits) == 1 else ""
    except LookupError:
        return ""


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def firm_id(name: str, country: str) -> str:
    base = slugify(short_name(name)) or slugify(name) or "firm"
    base = base[:60].rstrip("-")
    return f"{base}-{country.lower()}" if country else base


def domain_core(url: str) -> str:
    url = (url or "").strip().lower()
    if not url:
        return ""
    host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0]
    labels = [x for x in host.split(".") if x]
    if labels and re.match(r"^www\d*$", labels[0]):
        labels = labels[1:]
    if len(labels) >= 3 and labels[-2] in {"co", "com", "net", "org", "gov", "ac", "ne", "or", "go"}:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def web_host(url: str) -> str:
    """The website's host without "www": "http://www.man.com/x" -> "man.com"."""
    host = re.sub(r"^[a-z]+://", "", (url or "").strip().lower()).split("/")[0].split(":")[0]
    return re.sub(r"^www\d*\.", "", host)


SECURITY_WORDS = re.compile(
    r"\s*[-–]?\s*\b(Sponsored|Unsponsored|ADRs?|GDRs?|Pfd|DRN|BDRs?|American Depositary Shares?|"
    r"Depositary Receipts?|Global Depositary Receipts?|Ordinary Shares?|Reg\.? ?S|RegS|"
    r"Class [A-Z]|Series [A-C]|Common Stock|Units?)\b\.?", re.IGNORECASE)
GERMAN_JUNK = re.compile(
    r"^(INH|INHABER|NA|NAM|NAMENS|O\.?N\.?|DL|EO|SK|NK|DK|YC|YN|HD|SF|LS|RC|CL\.?[A-C]?|REGS|REG|ADR|ADRS|GDR|"
    r"GDRS|SP|SPON|SPONS|VZ|ST|PF|PFD|PREF|VORZ|UTS|UNITS|DRN|ED|ON|NPV|BR|A|B|H|CHF|EUR|USD|ZY|RB|"
    r"CD|AD|TK|MK|PRF|DRC|CDI|BDR|FRIA|POST|SPLIT|NV|KAP|VNA|N|S|R|RG|RT|RS|SHS|AKT|AKTIE|AKTIEN|STK|ST\.|"
    r"SW|SDR|CDIS|DZ|KK|IDR|SADRN|ADRN|DR\d|PN|NM|UNSP)\.?$")


def clean_listing_name(name: str, low_trust: bool) -> str:
    name = " ".join(name.split())
    if low_trust:
        name = re.sub(r"/\d+\b", "", name)
        name = re.sub(r"\.(?=[A-Z]{2})", ". ", name)
        name = name.split("(")[0]
        toks = name.split()
        keep: list[str] = []
        for i, tok in enumerate(toks):
            if i > 0 and (re.search(r"\d", tok) or tok.startswith(("-", ",")) or GERMAN_JUNK.match(tok.upper())):
                break
            keep.append(tok)
        name = " ".join(keep)
    else:
        name = SECURITY_WORDS.sub(" ", name)
        name = re.sub(r"\s+[-–]\s*$", "", " ".join(name.split()))
    return name.strip(" -,")


def is_all_caps(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters if c.isascii())


SMALL_WORDS = {"of", "and", "the", "de", "du", "des", "la", "le", "del", "da", "do", "dos", "y", "et", "für",
               "und", "van", "von", "der", "di", "for", "on", "in", "at", "a"}
ACRONYM_OK = re.compile(r"^[B-DF-HJ-NP-TV-Z&]{2,5}$|^[A-Z]\.([A-Z]\.)+$|^[A-Z]{1,2}\d*$")
SUFFIX_EXPAND = {"CORP": "Corporation", "CORPORATION": "Corporation", "INC": "Inc.", "CO": "Company",
                 "LTD": "Ltd.", "PLC": "plc", "LLC": "LLC", "LP": "L.P.", "L.P.": "L.P.", "SA": "S.A.", "NV": "N.V.",
                 "AG": "AG", "SE": "SE", "AB": "AB", "ASA": "ASA", "HLDGS": "Holdings", "HOLDINGS": "Holdings",
                 "GRP": "Group", "INTL": "International", "TECH": "Technology", "BANCORP": "Bancorp",
                 "CO.": "Company", "CORP.": "Corporation", "INC.": "Inc.", "LTD.": "Ltd."}
KNOWN_ACRONYMS = {"IBM", "AT&T", "HP", "CVS", "UPS", "AMD", "3M", "PPG", "AES", "CSX", "KLA", "MSCI", "NRG",
                  "PG&E", "AGCO", "ABB", "BHP", "ASML", "SAP", "LG", "SK", "KT", "NEC", "TDK", "JFE", "IHI",
                  "ANA", "TSMC", "BYD", "ZTE", "ICICI", "HDFC", "UBS", "BNP", "AXA", "ING", "RWE", "BASF",
                  "BMW", "DSV", "NN", "CRH", "WPP", "BAE", "GSK", "TUI", "USA", "US", "NV", "SA", "II", "III",
                  "IV", "LLC", "REIT", "ETF", "NYSE", "SPDR", "CBRE", "EOG", "FMC", "NOV", "APA", "DXC", "EPAM",
                  "HCA", "IQVIA", "MGM", "NCR", "ON", "TJX", "USG", "WEC", "CMS", "DTE", "PNC", "KKR", "AIG", "OGE"}


def title_case(name: str) -> str:
    """Careful title-casing of an ALL-CAPS name: keep acronyms, expand common suffixes."""
    words = name.split()
    out = []
    for i, w in enumerate(words):
        core = w.strip(",")
        trail = w[len(core):]
        up = core.upper()
        if i == len(words) - 1 or (i > 0 and up in {"CORP", "INC", "CO", "LTD", "HLDGS", "GRP", "INTL"}):
            if up in SUFFIX_EXPAND and i > 0:
                out.append(SUFFIX_EXPAND[up] + trail)
                continue
        if up in KNOWN_ACRONYMS or ACRONYM_OK.match(up) or any(ch.isdigit() for ch in up):
            out.append(core + trail)
        elif i > 0 and core.lower() in SMALL_WORDS:
            out.append(core.lower() + trail)
        else:
            parts = re.split(r"([-'/.&])", core.lower())
            out.append("".join(p[:1].upper() + p[1:] for p in parts) + trail)
    return " ".join(out)


def sec_display_name(raw: str) -> str:
    name = re.sub(r"\s*/[A-Za-z]{1,4}/?\s*$", "", raw.strip())          # /DE/, /ADR, /CAN/
    name = re.sub(r"\s*/[A-Za-z]{1,4}/?\s*$", "", name)
    name = name.replace("\\", "").strip(" ,")
    if is_all_caps(name):
        name = title_case(name)
    return name


def abbreviation_matches(abbrev: list[str], full: list[str]) -> bool:
    """'samsung el' ~ 'samsung electronics'; 'mizuho finl group' ~ 'mizuho financial group'."""
    if not abbrev or len(abbrev) > len(full) or abbrev[0] != full[0]:
        return False
    for a, f in zip(abbrev[1:], full[1:]):
        if a == f or f.startswith(a):
            continue
        if a[0] != f[0]:
            return False
        it = iter(f)
        if not all(ch in it for ch in a):
            return False
    return True


FORMER = re.compile(r"formerly known as (.+?)(?: and changed its name| and is| and was|, and |\. [A-Z]|\.$| until| in \d)")
# "formerly known as Geo. A. Hormel & Company" stops FORMER at "Geo" (and "Grupo Arca, S. A. B. de C. V." at
# "Grupo Arca, S"): a name cut where an initial follows ("A.", "B.") is a fragment, not a former name.
# "SoftBank Corp. is a subsidiary of SoftBank Group Japan Corporation.", "Siemens Healthineers AG operates as a
# subsidiary of Siemens Aktiengesellschaft.": the parent as the summary writes it, up to the sentence's end.
# Present tense only ("was a subsidiary of" is history).
SUBSIDIARY_OF = re.compile(
    r"\b(?:operates as|is) an? (?:(?:wholly|majority|fully|partially|non-wholly)[- ]owned |indirect |direct |"
    r"principal |listed |operating |key )*subsidiary of (?P<parent>[^;]+?)"
    r"(?:\.(?=\s|$)|;|, (?:and|which|a|an) | and (?:is|was|operates)\b|$)")
_INITIAL_AFTER = re.compile(r"\. ?[A-Z]\.")


def cut_at_initial(summary: str, end: int) -> bool:
    """True when the former name FORMER matched ending at ``end`` is cut before an initial ("Geo. A. Hormel")."""
    return bool(_INITIAL_AFTER.match(summary, end))
# ----------------------------------------------------------------------------------------------- model


@dataclass
class Firm:
    name: str
    country: str
    tier: str
    sector: str = ""
    website: str = ""
    isin: str = ""
    cik: str = ""
    tickers: set = field(default_factory=set)
    aliases: list = field(default_factory=list)
    parent: str = ""
    curated: bool = False
    summary: bool = False
    low_trust: bool = False
    high_risk: bool = False
    n_listings: int = 0
    symbol: str = ""
    raw_names: list = field(default_factory=list)
    listed_parent: str = ""      # the parent the listing's summary names ("... is a subsidiary of Siemens AG")
    id: str = ""
    protected: bool = False  # named in curated.csv: never dropped by the country caps
    own_names: list = field(default_factory=list)  # names of rows merged as the same listing (its old names)

    def rank(self) -> tuple:
        return (TIER_RANK[self.tier], self.low_trust, not self.summary, -self.n_listings, self.symbol)

    def add_alias(self, alias: str) -> None:
        alias = " ".join((alias or "").split()).strip(" ,;")
        if alias and alias not in self.aliases:
            self.aliases.append(alias)


@dataclass
class BuildReport:
    firms: int = 0
    countries: int = 0
    by_tier: dict = field(default_factory=dict)
    curated: int = 0
    by_country: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    out_path: str = ""

    def lines(self) -> list[str]:
        out = [f"firms: {self.firms}", f"countries: {self.countries}",
               "by tier: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_tier.items(), key=lambda kv: TIER_RANK.get(kv[0], 9))),
               f"curated: {self.curated}",
               "top countries: " + ", ".join(f"{k} {v}" for k, v in Counter(self.by_country).most_common(8))]
        if self.dropped:
            out.append("dropped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items())))
        return out


# ------------------------------------------------------------------------------------------- sources

def write_legal_forms(org_types: Path, out: Path) -> list[str]:
    data = yaml.safe_load(org_types.read_text(encoding="utf-8")) or {}
    spellings = set()
    for entry in data.get("types", []):
        for key in ("display", "compare"):
            if entry.get(key):
                spellings.add(str(entry[key]).strip())
        for a in entry.get("aliases") or []:
            if a and str(a).strip():
                spellings.add(str(a).strip())
    spellings = sorted(s for s in spellings if names.usable_form(s))
    header = ("# Legal-form spellings used to strip company names (catalog/names.py).\n"
              "# GENERATED by catalog/build.py from org_types.yml - do not edit by hand.\n"
              "# Source: github.com/opensanctions/rigour resources/names/org_types.yml\n"
              "# (MIT, Copyright (c) 2023-2025 OpenSanctions Datenbanken GmbH).\n")
    text = header + "\n".join(spellings) + "\n"
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    names.reload_legal_forms()
    return spellings


def map_sector(row: dict) -> str:
    ind, grp, sec = row.get("industry", ""), row.get("industry_group", ""), row.get("sector", "")
    summ = (row.get("summary") or "")[:600].lower()
    nm = row.get("name", "").lower()
    if ind == "Textiles, Apparel & Luxury Goods" and ("footwear" in summ[:250] or "shoe" in summ[:250]) \
            and not re.search(r"\b(apparel|clothing|garment|fashion)", summ[:250]):
        return "Footwear"
    if ind == "Metals & Mining" and re.search(r"\b(steel|alumin[i]?um products|stainless)\b", summ[:300]) \
            and not re.search(r"\b(mine|mining|exploration|ore)\b", summ[:300]):
        return "Metals & steel"
    if ind == "Oil, Gas & Consumable Fuels" or grp == "Energy":
        pass
    if grp == "Food, Beverage & Tobacco" or ind in ("Food Products",) or (grp == "Food & Staples Retailing" and not ind):
        if "palm oil" in summ or "oil palm" in summ:
            return "Palm trees & oil"
        if re.search(r"\b(plantation|livestock|poultry|hog|cattle|farming|agricultur|seeds|crop|aquaculture|fertili[sz]er)", summ[:400]):
            return "Agriculture & livestock"
        if ind not in ("Tobacco",):
            return "Food & beverage"
    if ind == "Food & Staples Retailing":
        # FinanceDatabase files many food producers here; tell retailers from producers by the summary.
        if re.search(r"\b(supermarket|hypermarket|grocery|convenience store|retail)", summ[:300]):
            return "Supermarkets & grocery"
        if "palm oil" in summ or "oil palm" in summ:
            return "Palm trees & oil"
        if re.search(r"\b(plantation|livestock|poultry|hog|cattle|farming|agricultur|seeds|crop|aquaculture)", summ[:400]):
            return "Agriculture & livestock"
        return "Food & beverage"
    if ind == "Chemicals" and re.search(r"\b(fertili[sz]er|agrochemical|pesticide)", summ[:300]):
        return "Agriculture & livestock"
    if ind == "Aerospace & Defense" and re.search(r"\b(aircraft|aviation|airplane|aerospace)", summ[:200]) \
            and not re.search(r"\b(defen[cs]e|military|weapon|missile|munition)", summ[:300]):
        return "Aircraft/Airline"
    if ind == "Aerospace & Defense" and re.search(r"\b(weapon|firearm|ammunition|munition|missile)", summ[:300]):
        return "Arms/Weapons"
    if ind == "Hotels, Restaurants & Leisure" and re.search(r"\b(travel|tour|cruise|casino|resort)", summ[:200]) \
            and "hotel" not in summ[:200]:
        return "Tourism"
    if ind == "Electric Utilities" and re.search(r"\bhydro", summ[:300]):
        return "Hydropower & dam projects"
    if ind == "Electric Utilities" and re.search(r"\bnuclear", summ[:200]):
        return "Nuclear energy"
    if ind == "Marine" or (ind == "Machinery" and re.search(r"\bship(building|yard)", summ[:300])):
        return "Shipping, ship-building & ship-scrapping"
    if ind in INDUSTRY_SECTOR:
        return INDUSTRY_SECTOR[ind]
    if grp == "Materials" and re.search(r"\b(gold|copper|lithium|nickel|mining|mine|ore|coal|zinc|silver)\b", summ[:300]):
        return "Mining"
    if grp == "Consumer Durables & Apparel" and re.search(r"\b(apparel|garment|textile|clothing)", summ[:300]):
        return "Clothing & textile"
    if grp in GROUP_SECTOR:
        return GROUP_SECTOR[grp]
    if sec in TOP_SECTOR:
        return TOP_SECTOR[sec]
    if re.search(r"\b(mining|gold|copper)\b", nm):
        return "Mining"
    return ""


def is_high_risk(sector: str, industry: str) -> bool:
    return sector in HIGH_RISK_SECTORS or industry in ELECTRONICS_INDUSTRIES


def read_fd(path: Path) -> list[Firm]:
    firms = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            tier = TIER_OF.get(row["max_market_cap"], "")
            if not tier:
                continue
            sym = row["symbol"]
            suffix = sym.rsplit(".", 1)[-1] if "." in sym else ""
            raw = row["name"].strip()
            low = is_all_caps(raw) and (suffix in FOREIGN_LISTING_SUFFIXES or not row["summary"])
            # Brazilian depositary receipts (AAPL34.SA) of foreign firms: secondary listings, odd names
            bdr = bool(re.search(r"\d\d\.SA$", sym)) and row["country"] != "Brazil"
            low = low or bdr
            name = clean_listing_name(raw, low)
            if not name or not re.search(r"[^\W\d_]", name):
                continue
            if low and not (suffix in GERMAN_SUFFIXES or not row["summary"]):
                low = True
            cc = country_code(row["country"])
            isin = row["isin"].strip()
            if not cc and isin[:2].isalpha() and isin[:2] not in ("US", "XS"):
                cc = country_code(isin[:2])
            if not cc and not low:
                cc = HOME_EXCHANGE_COUNTRY.get(suffix, "")
            sector = map_sector(row)
            f = Firm(name=name, country=cc, tier=tier, sector=sector, website=row["website"].strip(),
                     isin=isin, summary=bool(row["summary"].strip()), low_trust=low,
                     high_risk=is_high_risk(sector, row["industry"])
                     or bool(APPAREL_WORDS.search(row["summary"][:300]))
                     or (row["industry"] == "Household Durables" and bool(APPLIANCE_WORDS.search(row["summary"][:300]))), n_listings=int(row["n_listings"] or 0),
                     symbol=sym, raw_names=[raw])
            f.tickers.update(t for t in row["listing_symbols"].split(";") if t)
            f.tickers.add(sym)
            for m in FORMER.finditer(row["summary"]):
                former = m.group(1).strip()
                if cut_at_initial(row["summary"], m.end(1)):
                    continue
                if 2 < len(former) < 80 and not re.search(r"\b(the company|it|which)\b", former):
                    f.add_alias(former)
            parent = SUBSIDIARY_OF.search(row["summary"])
            if parent and 2 < len(parent["parent"]) < 100:
                f.listed_parent = parent["parent"].strip()
            firms.append(f)
    return firms


@dataclass
class SecFirm:
    cik: str
    name: str
    display: str
    tickers: list
    exchanges: set


def read_sec(path: Path) -> list[SecFirm]:
    data = json.loads(path.read_text(encoding="utf-8"))
    idx = {k: i for i, k in enumerate(data["fields"])}
    by_cik: dict[str, SecFirm] = {}
    for rec in data["data"]:
        cik, nm, tk, ex = (rec[idx["cik"]], rec[idx["name"]], rec[idx["ticker"]], rec[idx["exchange"]])
        cik = str(cik).strip()
        s = by_cik.get(cik)
        if s is None:
            s = by_cik[cik] = SecFirm(cik, nm, sec_display_name(nm), [], set())
        if tk:
            s.tickers.append(tk)
        if ex:
            s.exchanges.add(ex)
    return [by_cik[k] for k in sorted(by_cik, key=int)]


def read_curated(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if (r.get("name") or "").strip()]


# --------------------------------------------------------------------------------------------- build

def merge_into(keep: Firm, other: Firm) -> None:
    if not other.low_trust and other.name != keep.name:
        keep.add_alias(other.name)
    for a in other.aliases:
        keep.add_alias(a)
    keep.tickers |= other.tickers
    keep.n_listings = max(keep.n_listings, other.n_listings)
    for attr in ("website", "isin", "cik", "sector"):
        if not getattr(keep, attr) and getattr(other, attr):
            setattr(keep, attr, getattr(other, attr))
    if TIER_RANK[other.tier] < TIER_RANK[keep.tier]:
        keep.tier = other.tier
    keep.high_risk = keep.high_risk or other.high_risk
    keep.summary = keep.summary or other.summary
    keep.listed_parent = keep.listed_parent or other.listed_parent


GENERIC_TAIL = {"group", "holding", "holdings", "company", "corporation", "corp", "co", "limited", "ltd"}


def core_key(name: str) -> str:
    toks = normalise(name).split()
    while len(toks) > 1 and toks[-1] in GENERIC_TAIL:
        toks.pop()
    return " ".join(toks)


def dedupe(firms: list[Firm], dropped: Counter) -> list[Firm]:
    """Merge rows with the same normalised short name (across countries unless websites disagree). Rows of
    two countries whose names match only once "Group" / "Holdings" is cut merge only when both websites are on
    one host (or one has none): Man Group PLC (Jersey, www.man.com) and MAN SE (Germany, corporate.man.eu) are
    two firms although their domains look alike."""
    groups: dict[str, list[Firm]] = defaultdict(list)
    for f in firms:
        groups[core_key(f.name)].append(f)
    out = []
    for key in sorted(groups):
        members = sorted(groups[key], key=Firm.rank)
        clusters: list[list[Firm]] = []
        for f in members:
            dom = domain_core(f.website)
            target = None
            for c in clusters:
                doms = {domain_core(x.website) for x in c} - {""}
                hosts = {web_host(x.website) for x in c} - {""}
                # no website to compare is no objection, unless the row is an SEC filer of its own ("SunPower
                # Inc." is not "Sunpower Group Ltd." of China)
                alike = (normalise(f.name) == normalise(c[0].name) or f.country == c[0].country
                         or web_host(f.website) in hosts
                         or (not hosts or not f.website) and not (f.cik and not any(x.cik for x in c)))
                if (not dom or not doms or dom in doms) and alike:
                    target = c
                    break
            if target is None:
                clusters.append([f])
            else:
                target.append(f)
        for c in clusters:
            keep = c[0]
            for other in c[1:]:
                merge_into(keep, other)
                dropped["merged duplicate"] += 1
            out.append(keep)
    return out


def ticker_roots(f: Firm) -> set[str]:
    """Base symbols of a firm's listings on its home exchange (no suffix, or its country's own suffix)."""
    home = {suf for suf, cc in HOME_EXCHANGE_COUNTRY.items() if cc == f.country}
    if f.country == "DE":
        home |= GERMAN_SUFFIXES
    roots = set()
    for t in f.tickers:
        base, _, suf = t.partition(".")
        if base and len(base) >= 2 and (suf in home or (not suf and f.country == "US")):
            roots.add(base.upper())
    return roots


def merge_same_listing(firms: list[Firm], dropped: Counter) -> list[Firm]:
    """Merge rows that are one listed company under two names: the same website and country, and either the
    same home-exchange symbol or the same ISIN with names that start alike. The row with an SEC filer id (then the better rank) keeps its name; the other name
    becomes an alias."""
    parent = list(range(len(firms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def first_token(f: Firm) -> str:
        toks = normalise(f.name).split()
        return toks[0] if toks else ""

    seen: dict[tuple, int] = {}
    for i, f in enumerate(firms):
        dom = domain_core(f.website)
        if not (dom and f.country):
            continue
        # the ISIN field of the listings extract is often another firm's, so an ISIN counts only with the same
        # website and country and a name that starts alike (TOTAL / TotalEnergies, Quidel / QuidelOrtho)
        keys = [("isin", f.isin, dom, f.country)] if f.isin else []
        keys += [("listing", dom, f.country, root) for root in sorted(ticker_roots(f))]
        for k in keys:
            j = seen.setdefault(k, i)
            if j == i:
                continue
            a, b = first_token(f), first_token(firms[j])
            if k[0] == "listing" or (a and b and (a.startswith(b) or b.startswith(a))):
                parent[find(i)] = find(j)
    groups: dict[int, list[Firm]] = defaultdict(list)
    for i, f in enumerate(firms):
        groups[find(i)].append(f)
    out = []
    for i in sorted(groups):
        members = sorted(groups[i], key=lambda f: (not f.cik, f.rank()))
        keep = members[0]
        for other in members[1:]:
            merge_into(keep, other)
            keep.add_alias(other.name)          # also an ALL-CAPS listing name ("TOTAL SE"): the old name
            keep.own_names.append(other.name)   # its short name stays an alias even when a common word ("TOTAL")
            keep.protected = keep.protected or other.protected
            dropped["merged same listing"] += 1
        out.append(keep)
    return out


def build_sec_index(secs: list[SecFirm]) -> tuple[dict, dict, dict]:
    by_key: dict[str, list[SecFirm]] = defaultdict(list)
    by_ticker: dict[str, SecFirm] = {}
    by_first: dict[str, list[tuple[list[str], SecFirm]]] = defaultdict(list)
    for s in secs:
        key = normalise(s.display)
        if key:
            by_key[key].append(s)
            toks = key.split()
            by_first[toks[0]].append((toks, s))
        for t in s.tickers:
            by_ticker.setdefault(t.upper(), s)
    return by_key, by_ticker, by_first


def build_companies(sources_dir: Path, out_path: Path, curated_path: Path = DEFAULT_CURATED) -> BuildReport:
    sources_dir, out_path = Path(sources_dir), Path(out_path)
    write_legal_forms(sources_dir / ORG_TYPES_FILE, CATALOG_DIR / "legal_forms.txt")
    dropped: Counter = Counter()
    fd = read_fd(sources_dir / FD_FILE)
    secs = read_sec(sources_dir / SEC_FILE)
    sec_key, sec_ticker, sec_first = build_sec_index(secs)

    trusted = [f for f in fd if not f.low_trust]
    low = [f for f in fd if f.low_trust]
    firms = dedupe(trusted, dropped)

    # index trusted firms by first normalised token for abbreviation matching
    first_idx: dict[str, list[tuple[list[str], Firm]]] = defaultdict(list)
    exact: dict[str, list[Firm]] = defaultdict(list)
    for f in firms:
        k = normalise(f.name)
        exact[k].append(f)
        first_idx[k.split()[0]].append((k.split(), f))

    def pick(cands: list, country: str):
        if not cands:
            return None
        same = [c for c in cands if c[1].country == country] if country else []
        pool = same or cands
        if len(pool) > 1:
            exact_len = [c for c in pool if len(c[0]) == min(len(x[0]) for x in pool)]
            pool = exact_len if len({id(c[1]) for c in exact_len}) == 1 else pool
        ids = {id(c[1]) for c in pool}
        return pool[0][1] if len(ids) == 1 else None

    # 1. low-trust (ALL-CAPS abbreviated, German-exchange) rows: merge into a trusted row, else a SEC name
    leftovers = []
    for f in sorted(low, key=Firm.rank):
        k = normalise(f.name)
        if not k:
            dropped["low-trust unusable name"] += 1
            continue
        toks = k.split()
        # an abbreviated listing name ("MAN SE") joins a longer name only in its own country: "Man Group PLC" of
        # Jersey is another firm
        target = pick([(x.split(), t) for x in [k] for t in exact.get(k, [])], f.country) \
            or pick([c for c in first_idx.get(toks[0], []) if abbreviation_matches(toks, c[0])
                     and (not f.country or c[1].country == f.country)], f.country)
        if target is not None:
            merge_into(target, f)
            dropped["low-trust merged"] += 1
            continue
        sec = None
        if k in sec_key and len(sec_key[k]) == 1:
            sec = sec_key[k][0]
        else:
            cands = [c for c in sec_first.get(toks[0], []) if abbreviation_matches(toks, c[0])]
            uniq = {c[1].cik: c[1] for c in cands}
            if len(uniq) == 1:
                sec = next(iter(uniq.values()))
            elif len(uniq) > 1:
                shortest = min(len(c[0]) for c in cands)
                u2 = {c[1].cik: c[1] for c in cands if len(c[0]) == shortest}
                sec = next(iter(u2.values())) if len(u2) == 1 else None
        if sec is not None and sec.exchanges & {"NYSE", "Nasdaq", "OTC", "CBOE"}:
            f.name = sec.display
            f.cik = sec.cik
            f.low_trust = False
            f.tickers.update(sec.tickers)
            leftovers.append(f)
            continue
        if (f.tier in ("Mega", "Large", "Mid") or (f.tier == "Small" and f.high_risk)) \
                and not re.search(r"\d\d\.SA$", f.symbol) and not re.search(r"\w\.\w|\w\.$|\.\w", f.name) and f.summary:
            f.name = title_case(f.name)
            leftovers.append(f)
            continue
        dropped["low-trust unmatched"] += 1
    # leftovers may duplicate each other or a trusted firm under the SEC spelling
    firms = dedupe(firms + leftovers, dropped)

    # 2. join SEC (cik, US tickers, clean display names)
    used_cik: dict[str, Firm] = {}
    for f in sorted(firms, key=Firm.rank):
        if f.cik:
            used_cik.setdefault(f.cik, f)
            continue
        k = normalise(f.name)
        sec = sec_key[k][0] if len(sec_key.get(k, [])) == 1 else None
        if sec is None:
            for t in sorted(f.tickers):
                base, _, suf = t.partition(".")
                if suf in ("", "MX") and base.upper() in sec_ticker:
                    cand = sec_ticker[base.upper()]
                    if normalise(cand.display).split()[:1] == k.split()[:1]:
                        sec = cand
                        break
        if sec is None or sec.cik in used_cik:
            continue
        used_cik[sec.cik] = f
        f.cik = sec.cik
        f.tickers.update(sec.tickers)
        if sec.display != f.name:
            f.add_alias(sec.display)

    # 3. shape the list: tiers, small caps only in high-risk sectors, unknowns only when they look real
    kept = []
    for f in firms:
        if not f.country:
            dropped["no country"] += 1
            continue
        if f.tier == "Small" and not f.high_risk:
            dropped["small cap, low-risk sector"] += 1
            continue
        if f.tier == "Unknown" and not ((f.summary and f.website) or f.cik):
            dropped["unknown tier, not verifiable"] += 1
            continue
        kept.append(f)

    # 4. curated rows: merge into a listed firm when it is the same firm, else add
    # A curated row is the same firm as a listed one when its name or an alias has the same core key
    # (normalised, minus a trailing Group/Holdings) and the country agrees. Listed firms dropped above
    # (small caps outside the risk sectors, unverifiable rows) are restored when curated.
    by_key: dict[str, list[Firm]] = defaultdict(list)
    for f in kept:
        by_key[core_key(f.name)].append(f)
    spare: dict[str, list[Firm]] = defaultdict(list)
    kept_ids = {id(f) for f in kept}
    for f in firms:
        if id(f) not in kept_ids and f.country:
            spare[core_key(f.name)].append(f)
    curated_rows = read_curated(curated_path)
    for r in curated_rows:
        cc = country_code(r.get("country", ""))
        keys = [core_key(r["name"])] + [core_key(a) for a in (r.get("aliases") or "").split("|") if a.strip()]
        match = None
        for k in keys:
            cands = [f for f in by_key.get(k, []) if not cc or f.country == cc]
            if cands:
                match = sorted(cands, key=Firm.rank)[0]
                break
        if match is None:
            for k in keys:
                cands = [f for f in spare.get(k, []) if not cc or f.country == cc]
                if cands:
                    match = sorted(cands, key=Firm.rank)[0]
                    kept.append(match)
                    by_key[core_key(match.name)].append(match)
                    spare[k].remove(match)
                    break
        if match is not None:
            match.protected = True
            match.add_alias(r["name"])
            for a in (r.get("aliases") or "").split("|"):
                match.add_alias(a)
            if not match.website and r.get("website"):
                match.website = r["website"].strip()
            if (r.get("parent_id") or r.get("parent") or "").strip() and not match.parent:
                match.parent = (r.get("parent_id") or r.get("parent") or "").strip()
            continue
        f = Firm(name=r["name"].strip(), country=cc, tier="curated", sector=(r.get("sector") or "").strip(),
                 website=(r.get("website") or "").strip(), isin=(r.get("isin") or "").strip(),
                 cik=(r.get("cik") or "").strip(), curated=True, summary=True, high_risk=True,
                 parent=(r.get("parent_id") or r.get("parent") or "").strip(), symbol="~curated")
        f.tickers.update(t for t in (r.get("tickers") or "").split("|") if t.strip())
        for a in (r.get("aliases") or "").split("|"):
            f.add_alias(a)
        kept.append(f)
        by_key[core_key(f.name)].append(f)

    # 4b. one listed company under two names (a renamed firm listed under its old and new name: TOTAL SE and
    # TotalEnergies SE share an ISIN; Daimler AG and Mercedes-Benz Group AG share a website, a country and the
    # DAI symbol): merge, so that a mention of either name links one firm. Before the caps, which are a share
    # of the final list.
    kept = merge_same_listing(kept, dropped)

    # 5. country caps (curated rows are never dropped)
    kept = apply_country_caps(kept, dropped)

    # 6. ids, aliases, parents
    assign_ids(kept)
    resolve_parents(kept)
    rows = [to_row(f) for f in kept]
    rows.sort(key=lambda r: r["id"])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(buf.getvalue().encode("utf-8"))

    rep = BuildReport(firms=len(rows), countries=len({r["country"] for r in rows if r["country"]}),
                      by_tier=dict(Counter(r["tier"] for r in rows)),
                      curated=sum(1 for r in rows if r["curated"] == "1"),
                      by_country=dict(Counter(r["country"] for r in rows)), dropped=dict(dropped),
                      out_path=str(out_path))
    return rep


def apply_country_caps(firms: list[Firm], dropped: Counter) -> list[Firm]:
    counts = Counter(f.country for f in firms)
    total = len(firms)
    caps: dict[str, int] = {}
    for _ in range(20):  # fixed point: a country may hold at most COUNTRY_CAP_SHARE of the final total
        changed = False
        for cc, n in counts.most_common():
            limit = int(COUNTRY_CAP_SHARE * total)
            if n > limit:
                others = total - n
                new_n = int(COUNTRY_CAP_SHARE * others / (1 - COUNTRY_CAP_SHARE))
                caps[cc] = new_n
                total = others + new_n
                counts[cc] = new_n
                changed = True
        if not changed:
            break
    if not caps:
        return firms
    out = []
    by_country: dict[str, list[Firm]] = defaultdict(list)
    for f in firms:
        (by_country[f.country] if f.country in caps else out).append(f)
    for cc in sorted(by_country):
        ranked = sorted(by_country[cc], key=lambda f: (not (f.curated or f.protected), f.rank()))
        out.extend(ranked[:caps[cc]])
        dropped[f"country cap {cc}"] += max(0, len(ranked) - caps[cc])
    return out


def assign_ids(firms: list[Firm]) -> None:
    base: dict[str, list[Firm]] = defaultdict(list)
    for f in firms:
        base[firm_id(f.name, f.country)].append(f)
    for b, members in base.items():
        members.sort(key=lambda f: (not f.curated, f.rank()))
        members[0].id = b
        used = {b}
        for f in members[1:]:
            tag = slugify(f.symbol.split(".")[0]) or slugify(f.cik) or "2"
            cand = f"{b}-{tag}"
            n = 2
            while cand in used:
                cand = f"{b}-{tag}-{n}"
                n += 1
            f.id = cand
            used.add(cand)


def resolve_parents(firms: list[Firm]) -> None:
    """Each firm's tracked parent id: the curated one, else :data:`LISTED_PARENTS`, else the parent its listing
    summary names when exactly one tracked firm has that name or alias (after legal forms: "Siemens
    Aktiengesellschaft" is Siemens AG; without a country word if need be: "SoftBank Group Japan Corporation" is
    SoftBank Group Corp.)."""
    ids = {f.id for f in firms}
    by_key: dict[str, list[Firm]] = defaultdict(list)
    for f in firms:
        by_key[normalise(f.name)].append(f)
    by_any: dict[str, set[str]] = defaultdict(set)
    for f in firms:
        for n in (f.name, *f.aliases):
            by_any[normalise(n)].add(f.id)
    for f in firms:
        p = f.parent or LISTED_PARENTS.get(f.id, "")
        if not p and f.listed_parent:
            f.parent = summary_parent(f, by_any)
            continue
        if not p:
            f.parent = ""
            continue
        if p in ids:
            f.parent = p
            continue
        cands = sorted(by_key.get(normalise(p), []), key=Firm.rank)
        f.parent = cands[0].id if cands else ""


@lru_cache(maxsize=None)
def _country_word(word: str) -> bool:
    """A country's name ("japan", "brazil"): exact lookup only, no codes, no fuzzy match."""
    if len(word) <= 3:
        return False
    try:
        pycountry.countries.lookup(word)
    except LookupError:
        return False
    return True


def summary_parent(f: Firm, by_any: dict[str, set[str]]) -> str:
    """The one tracked firm the summary's parent names, or ""."""
    key = normalise(f.listed_parent)
    for candidate in (key, " ".join(t for t in key.split() if not _country_word(t))):
        owners = by_any.get(candidate, set()) - {f.id}
        if len(owners) == 1:
            return next(iter(owners))
    return ""


def to_row(f: Firm) -> dict:
    own_short = short_name(f.name)
    own_shorts = {own_short, *(short_name(n) for n in f.own_names)}
    aliases: list[str] = []
    seen = {fold(f.name)}
    for a in [own_short, *f.aliases, *[short_name(x) for x in f.aliases]]:
        a = " ".join(a.split()).strip(" ,;")
        if not a or fold(a) in seen or "|" in a:
            continue
        if is_all_caps(a) and len(a) > 6 and not f.curated:
            continue  # German-exchange spellings: never useful as display aliases
        if not is_safe_alias(a, a if a in own_shorts else ""):
            continue
        seen.add(fold(a))
        aliases.append(a)
    tickers = sorted({t.strip() for t in f.tickers if t.strip() and "|" not in t})
    return {"id": f.id, "name": f.name, "aliases": "|".join(aliases), "country": f.country,
            "sector": f.sector if f.sector in SECTORS else "", "website": f.website, "isin": f.isin,
            "cik": f.cik, "tickers": "|".join(tickers), "parent_id": f.parent if f.parent != f.id else "",
            "tier": f.tier, "curated": "1" if f.curated else "0"}
