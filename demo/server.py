"""Serve the demo news site (demo/site/) on 127.0.0.1, on a free port, in a background thread.

Pages and feeds hold the literal placeholder {{BASE}}; it is replaced by the server's own
address so links resolve wherever the site runs.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE_DIR = Path(__file__).parent / "site"
SOURCES_FILE = Path(__file__).parent / "sources.yaml"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml; charset=utf-8",
                 ".atom": "application/atom+xml; charset=utf-8", ".txt": "text/plain; charset=utf-8"}
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


class _SiteHandler(BaseHTTPRequestHandler):
    site_dir: Path = SITE_DIR

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            return self._send(200, ROBOTS_TXT, "text/plain")
        target = (self.site_dir / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.site_dir.resolve()) or not target.is_file():
            return self._send(404, b"not found", "text/plain")
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        body = target.read_bytes().replace(b"{{BASE}}", base.encode())
        self._send(200, body, CONTENT_TYPES.get(target.suffix, "application/octet-stream"))

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - keep the demo's output readable
        pass


@contextmanager
def serve_site(site_dir: Path = SITE_DIR, host: str = "127.0.0.1", port: int = 0):
    """Serve `site_dir` while the block runs; yields the base URL, e.g. http://127.0.0.1:41234."""
    handler = type("SiteHandler", (_SiteHandler,), {"site_dir": site_dir})
    server = ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
