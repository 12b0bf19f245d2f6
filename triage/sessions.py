"""Signed session cookies and CSRF tokens, with the standard library only.

The cookie holds {"user", "csrf", "exp"} as base64 JSON followed by its HMAC-SHA256 under the
database's secret (store/accounts.app_secret): the browser can read nothing it should not and
change nothing without the signature failing. Every visitor gets a session (so the login form
has a CSRF token too); logging in issues a new one, with a new token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "rr_session"
MAX_AGE_SECONDS = 12 * 3600


@dataclass
class Session:
    user: str | None
    csrf: str
    expires: int
    changed: bool = False   # set the cookie on the response

    @classmethod
    def new(cls, user: str | None = None) -> "Session":
        return cls(user=user, csrf=secrets.token_urlsafe(32), expires=int(time.time()) + MAX_AGE_SECONDS,
                   changed=True)

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionSigner:
    def __init__(self, secret: bytes):
        self._secret = secret

    def dumps(self, session: Session) -> str:
        body = base64.urlsafe_b64encode(json.dumps(
            {"user": session.user, "csrf": session.csrf, "exp": session.expires}).encode()).decode().rstrip("=")
        return f"{body}.{self._sign(body)}"

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged or expired."""
        if not value or "." not in value:
            return None
        body, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time():
            return None
        return Session(user=data.get("user"), csrf=str(data.get("csrf") or ""), expires=int(data["exp"]))

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
