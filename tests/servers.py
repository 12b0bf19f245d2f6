"""A test web server on 127.0.0.1 with real pages and the faults real sources produce."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Route:
    def __init__(self, body: bytes = b"", status: int = 200, content_type: str = "text/html; charset=utf-8",
                 delay: float = 0.0, redirect: str | None = None, etag: str | None = None, fail_first: int = 0):
        self.body, self.status, self.content_type = body, status, content_type
        self.delay, self.redirect, self.etag = delay, redirect, etag
        self.fail_first = fail_first     # answer 503 to this many requests first
        self.requests: list[dict] = []   # the headers of each request served
        self.times: list[float] = []     # when each request arrived (time.monotonic)


def _handler(routes: dict[str, Route]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/robots.txt" and "/robots.txt" not in routes:
                return self._send(Route(b"User-agent: *\nAllow: /\n", content_type="text/plain"))
            route = routes.get(self.path)
            if route is None:
                return self._send(Route(b"not found", status=404, content_type="text/plain"))
            route.requests.append(dict(self.headers))
            route.times.append(time.monotonic())
            if len(route.requests) <= route.fail_first:
                return self._send(Route(b"busy", status=503, content_type="text/plain"))
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                return self._send(Route(status=304), etag=route.etag)
            self._send(route, etag=route.etag)

        def _send(self, route: Route, etag: str | None = None):
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                if route.redirect:
                    self.send_header("Location", route.redirect)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to do

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serve(routes: dict[str, Route]):
    """Serve `routes` (path -> Route) on a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def rss(base: str, paths: list[str], title: str = "Test feed") -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Mon, 20 Nov 2017 08:30:00 +0700</pubDate></item>"
        for i, path in enumerate(paths)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>test</description>{items}</channel></rss>").encode()
