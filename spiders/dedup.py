"""What makes two fetched pages the same story: canonical URL and content hash."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the reader: they never change the story.
TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|ocid|cmpid|smid|"
                             r"ref|ref_src|taid|at_medium|at_campaign|guccounter|_ga)$", re.I)


def canonical_url(url: str, declared: str = "") -> str:
    """The page's declared canonical URL (resolved against `url`) or `url`, without trackers.

    A declared canonical on another host is ignored unless it is http(s): some sites
    point every page at their home page, which would merge all their stories.
    """
    chosen = url
    if declared:
        absolute = urljoin(url, declared)
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.path not in ("", "/"):
            chosen = absolute
    parts = urlsplit(chosen)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def content_hash(text: str) -> str:
    """Hash of the text with case and whitespace normalised: the same story under two URLs."""
    normalised = " ".join(text.lower().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
