"""The fingerprint of an analysis: a digest of everything that decides what the analysis finds.

An article analysed under another fingerprint is stale, and `reprocess` analyses it again:
the taxonomy, the tracked-firm list, the researchers' link corrections, the spaCy model (name
and version) and the analysis code itself (nlp/, its data included), so an edited rule counts too.
"""
from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

NLP_DIR = Path(__file__).resolve().parent.parent / "nlp"


def analysis_fingerprint(companies_path: Path, corrections_digest: str, taxonomy_path: Path | None = None,
                         model: str | None = None) -> str:
    from nlp.pipeline import resolve_model_name
    from nlp.taxonomy import DEFAULT_TAXONOMY_PATH

    name = resolve_model_name(model)
    parts = {
        "taxonomy": _file_digest(Path(taxonomy_path or DEFAULT_TAXONOMY_PATH)),
        "companies": _file_digest(Path(companies_path)),
        "corrections": corrections_digest,
        "model": f"{name}=={_version(name)}",
        "code": code_digest(),
    }
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()[:16]


def code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in NLP_DIR.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(NLP_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
