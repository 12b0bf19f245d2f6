"""A news site for benchmarks, on loopback addresses only: the real fundus pages under many paths.

Each "domain" is its own loopback address (127.0.0.2, 127.0.0.3, ...: the whole 127.0.0.0/8 range
reaches this machine), so the crawler's per-domain politeness behaves as with real publishers.
"""
from __future__ import annotations

import gzip
import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHARED_FUNDUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "articles" / "fundus"


def load_pages() -> list[bytes]:
    if not SHARED_FUNDUS.exists():
        raise SystemExit(f"benchmark data not found: {SHARED_FUNDUS}")
    rows = [json.loads(line) for line in (SHARED_FUNDUS / "index.jsonl").read_text("utf-8").splitlines() if line]
    return [gzip.decompress((SHARED_FUNDUS / row["html"]).read_bytes()) for row in rows]


def markable_pages() -> list[tuple[bytes, int]]:
    """The pages whose article text can be told apart per copy: (page, offset just inside the <p> that
    opens one of its first body paragraphs, as the index's expected body gives them)."""
    rows = [json.loads(line) for line in (SHARED_FUNDUS / "index.jsonl").read_text("utf-8").splitlines() if line]
    found = []
    for row, page in zip(rows, load_pages()):
        text = page.decode("utf-8", "replace")
        for paragraph in [p for p in row["body_text"].split("\n") if len(p.strip()) > 40][:3]:
            match = re.search(r"\s+".join(re.escape(w) for w in paragraph.split()[:4]), text)
            start = text.rfind("<p", 0, match.start()) if match else -1
            if start != -1 and match.start() - start < 400:
                inside = text.index(">", start) + 1
                found.append((page, len(text[:inside].encode("utf-8")), _self_urls(text)))
                break
    # Keep the pages whose extracted text carries the mark (some extract that paragraph elsewhere).
    from spiders.extract import extract_article

    return [page for page in found if "Edition 1." in extract_article(_distinct(page, 1)).text]


def _self_urls(text: str) -> list[str]:
    """The addresses a page gives for itself (rel=canonical, og:url)."""
    found = re.findall(r"""<link[^>]*rel=["']?canonical[^>]*>|<meta[^>]*property=["']?og:url[^>]*>""", text)
    return sorted({m.group(1) for tag in found
                   for m in [re.search(r"""(?:href|content)=["']?([^"'\s>]+)""", tag)] if m})


def _distinct(page: tuple, copy: int) -> bytes:
    """The page with its paragraph opened by "Edition N." and its own address (canonical, og:url) given
    an `edition=N` query: an article of its own for the store (another URL, another text hash), while
    near-duplicate detection still puts the copies of one page in one story."""
    body, offset, self_urls = page
    marked = body[:offset] + f"Edition {copy}. ".encode() + body[offset:]
    for url in self_urls:
        marked = marked.replace(url.encode(), f"{url}{'&' if '?' in url else '?'}edition={copy}".encode())
    return marked


def _handler(pages: list, feeds: dict[str, bytes], distinct: bool = False):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            if self.path == "/robots.txt":
                return self._send(b"User-agent: *\nAllow: /\n", "text/plain")
            if self.path in feeds:
                return self._send(feeds[self.path], "application/rss+xml")
            parts = self.path.strip("/").split("/")   # /p/<copy>/<page>.html
            if len(parts) == 3 and parts[0] == "p" and parts[2].endswith(".html"):
                index = int(parts[2][:-5])
                if 0 <= index < len(pages):
                    body = _distinct(pages[index], int(parts[1])) if distinct else pages[index]
                    return self._send(body, "text/html; charset=utf-8")
            self._send(b"not found", "text/plain", 404)

        def _send(self, body: bytes, content_type: str, status: int = 200):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def rss(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>Story {i}</title><link>{u}</link><guid>{u}</guid>"
                    f"<pubDate>Mon, 20 Nov 2017 08:30:00 +0000</pubDate></item>" for i, u in enumerate(urls))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bench</title>'
            f"<link>http://127.0.0.1/</link><description>bench</description>{items}</channel></rss>").encode()


@contextmanager
def serve_many(total_urls: int, domains: int = 20, feeds_per_domain: int = 1, distinct: bool = False):
    """Serve `total_urls` distinct article URLs spread over `domains` loopback hosts. With `distinct`,
    every URL is an article of its own (one of the pages whose text can be marked, marked with its copy
    number); otherwise the same real pages repeat under many URLs.

    Yields (sources, urls): registry entries of kind feed, and every article URL.
    """
    pages = markable_pages() if distinct else load_pages()
    servers, sources, all_urls = [], [], []
    per_domain = -(-total_urls // domains)
    for d in range(domains):
        host = f"127.0.0.{d + 2}"
        feeds: dict[str, bytes] = {}
        server = ThreadingHTTPServer((host, 0), _handler(pages, feeds, distinct))
        server.daemon_threads = True
        base = f"http://{host}:{server.server_address[1]}"
        urls = [f"{base}/p/{(d * per_domain + i) // len(pages)}/{(d * per_domain + i) % len(pages)}.html"
                for i in range(per_domain) if d * per_domain + i < total_urls]
        all_urls += urls
        chunk = -(-len(urls) // feeds_per_domain)
        for f in range(feeds_per_domain):
            feeds[f"/feed/{f}.xml"] = rss(urls[f * chunk:(f + 1) * chunk])
            sources.append({"id": f"bench-{d}-{f}", "name": f"Bench {d}/{f}", "kind": "feed",
                            "url": f"{base}/feed/{f}.xml", "language": "en", "country": ""})
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield sources, all_urls
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
