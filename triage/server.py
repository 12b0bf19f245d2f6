"""Serve the triage app with uvicorn: on 127.0.0.1 by default; beyond it only with accounts and login."""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from store import open_db
from store.accounts import has_accounts
from triage.app import Settings, create_app


class ServeError(RuntimeError):
    """The app cannot be served as asked (no accounts for a non-local address)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def settings_for(db_path: Path, host: str, local_user: str = "") -> Settings:
    """Login is required whenever the app listens beyond 127.0.0.1, and then accounts must exist."""
    loopback = is_loopback(host)
    if not loopback and not has_accounts(open_db(db_path)):
        raise ServeError(f"listening on {host} needs a login, and there is no account yet: "
                         "create one with `rightsradar users add NAME`")
    return Settings(db_path=Path(db_path), require_login=not loopback, local_user=local_user)


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8300, local_user: str = "") -> None:
    app = create_app(settings_for(db_path, host, local_user))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False)


@contextlib.contextmanager
def serve_in_thread(settings: Settings) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 in a background thread (tests); yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise ServeError("the triage app did not start")
            threading.Event().wait(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
