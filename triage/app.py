"""The triage web app: FastAPI, server-rendered Jinja2 pages, a little JavaScript (static/triage.js).

Every state-changing request is a POST that carries the session's CSRF token (form field `csrf`
or header X-CSRF-Token); the app talks to store/ only. Pages escape everything (Jinja2 autoescape;
links only with http(s) URLs) and the Content-Security-Policy allows no inline script.
"""
from __future__ import annotations

import base64
import binascii
import getpass
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

import nlp
from nlp.taxonomy import load_taxonomy
from store import open_db
from store.accounts import app_secret, check_login, has_accounts
from store.articles import utc_now
from store.triage import (COUNT_CAP, SNIPPET_CLOSE, SNIPPET_OPEN, FilterError, QueueFilters, filter_choices,
                          queue_page, search_firms, search_stored, story_cards)
from store.triage_decisions import (TriageConflict, TriageError, add_note, correct_link, decide, edit_tag,
                                    immediate, lease_stories, renew_leases, undo_last)
from triage.export import atom_feed
from triage.highlight import highlight
from triage.sessions import COOKIE_NAME, MAX_AGE_SECONDS, Session, SessionSigner
from store.export import export_records

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
PUBLIC_PATHS = ("/login", "/static/", "/favicon.ico")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Settings:
    db_path: Path
    require_login: bool = False          # always true when the app listens beyond 127.0.0.1
    local_user: str = ""                 # who decides when no login is required (default: the OS user)


class Databases:
    """One SQLite connection per thread (sqlite3 connections must stay in their thread)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    def get(self):
        if not hasattr(self._local, "db"):
            self._local.db = open_db(self.path)
        return self._local.db


def place_choices() -> dict[str, list[str]]:
    """Every country code and region the places component knows (nlp/data/places.json)."""
    regions = json.loads((Path(nlp.__file__).parent / "data" / "places.json").read_text("utf-8"))["regions"]
    return {"country": sorted(regions), "region": sorted({r for r in regions.values() if r})}


def snippet_pieces(snippet: str) -> list[tuple[str, str]]:
    """A search snippet as (text, kind) pieces, kind "match" for the matched words (escaped by the template)."""
    pieces = []
    for n, part in enumerate(snippet.replace(SNIPPET_CLOSE, SNIPPET_OPEN).split(SNIPPET_OPEN)):
        if part:
            pieces.append((part, "match" if n % 2 else ""))
    return pieces


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else "" (no javascript:, data: or other schemes in links)."""
    if not url:
        return ""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("http", "https") else ""


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="rightsradar triage", docs_url=None, redoc_url=None, openapi_url=None)
    databases = Databases(settings.db_path)
    signer = SessionSigner(app_secret(databases.get()))
    taxonomy = load_taxonomy()
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.auto_reload = False   # templates ship with the package: no stat per page
    templates.env.filters["safe_url"] = safe_url
    templates.env.globals["highlight"] = highlight
    local_user = settings.local_user or getpass.getuser()
    cache = {"login": (0.0, settings.require_login), "choices": (0.0, {})}

    def login_required() -> bool:
        """Always beyond 127.0.0.1; on 127.0.0.1 once any account exists (checked every few seconds)."""
        if settings.require_login:
            return True
        checked, required = cache["login"]
        if time.monotonic() - checked > 5:
            required = has_accounts(databases.get())
            cache["login"] = (time.monotonic(), required)
        return required

    places = place_choices()

    def choices() -> dict:
        checked, values = cache["choices"]
        if time.monotonic() - checked > 300:
            values = {**filter_choices(databases.get()), **places}
            cache["choices"] = (time.monotonic(), values)
        return values

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def sessions_and_login(request: Request, call_next):
        session = signer.loads(request.cookies.get(COOKIE_NAME)) or Session.new()
        request.state.session = session
        must_login = await run_in_threadpool(login_required)
        request.state.user = session.user if must_login else (session.user or local_user)
        path = request.url.path
        if must_login and not session.user and not path.startswith(PUBLIC_PATHS):
            basic_user = await run_in_threadpool(_basic_auth_user, request, databases)
            if path == "/export.atom" and basic_user:
                request.state.user = basic_user   # the library's feed reader, with HTTP Basic credentials
            elif request.method == "GET" and "application/json" not in request.headers.get("accept", ""):
                response = RedirectResponse("/login?" + urlencode({"next": _next_path(request)}), status_code=303)
                return _finish(response, session, signer, request)
            else:
                return _finish(JSONResponse({"error": "log in first"}, status_code=401), session, signer, request)
        response = await call_next(request)
        return _finish(response, request.state.session, signer, request)

    def page_html(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
        context = {"user": request.state.user, "csrf": request.state.session.csrf,
                   "login_required": login_required(), **context}
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request):
        try:
            filters = QueueFilters.from_mapping(request.query_params)
            page_number = max(1, int(request.query_params.get("page") or 1))
        except (FilterError, ValueError) as exc:
            return page_html(request, "queue.html", {"error": str(exc), "filters": QueueFilters(), "stories": [],
                                                "total": 0, "page": 1, "pages": 1, "choices": choices(),
                                                "taxonomy": taxonomy, "query": ""}, status_code=400)
        db = databases.get()
        user = request.state.user
        with immediate(db):
            # Choosing the page and leasing its undecided stories is one transaction: two researchers
            # loading the queue at once get different stories.
            now = utc_now()
            rows, total = queue_page(db, filters, user, now, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
            lease_stories(db, user, [r["id"] for r in rows if r["status"] in ("open", "bookmarked")])
        stories = story_cards(db, rows)
        for story in stories:   # the names to mark in the evidence: every name a linked firm went by
            story["firm_names"] = [name for f in story["firms"] for name in (*f["mentions"], f["name"])]
        return page_html(request, "queue.html", {
            "filters": filters, "stories": stories, "total": total, "page": page_number,
            "pages": max(1, -(-total // PAGE_SIZE)), "more": total >= COUNT_CAP, "choices": choices(),
            "taxonomy": taxonomy,
            "query": urlencode(filters.active()),
        })

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "", page: int = 1):
        """Every stored article, flagged or not: the queue only lists flagged stories."""
        page = max(1, page)
        rows = search_stored(databases.get(), q[:500], PAGE_SIZE, (page - 1) * PAGE_SIZE) if q.strip() else []
        for row in rows:
            row["pieces"] = snippet_pieces(row.pop("snippet") or "")
        return page_html(request, "search.html", {"q": q, "results": rows, "page": page,
                                                  "more": len(rows) == PAGE_SIZE})

    @app.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    @app.get("/firms")
    def firms(request: Request, q: str = ""):
        return {"firms": search_firms(databases.get(), q[:100])}

    @app.post("/stories/{article_id}/decide")
    async def decide_story(request: Request, article_id: int):
        form = await _checked_form(request)
        expected = form.get("expected_status") or None
        return await _act(request, lambda db: decide(db, article_id, request.state.user, str(form.get("action", "")),
                                                     reason=str(form.get("reason", "")), expected_status=expected),
                          databases, article_id)

    @app.post("/stories/{article_id}/tags")
    async def tag_story(request: Request, article_id: int):
        form = await _checked_form(request)
        kind, value = str(form.get("kind", "")), str(form.get("value", ""))
        if ":" in value and not kind:   # "country:KE" typed in one box
            kind, value = value.split(":", 1)
        return await _act(request, lambda db: edit_tag(db, article_id, request.state.user, kind or "issue", value,
                                                       str(form.get("op", "add"))), databases, article_id)

    @app.post("/stories/{article_id}/notes")
    async def note_story(request: Request, article_id: int):
        form = await _checked_form(request)
        return await _act(request, lambda db: add_note(db, article_id, request.state.user,
                                                       str(form.get("text", ""))[:5000]), databases, article_id)

    @app.post("/stories/{article_id}/link")
    async def correct_story_link(request: Request, article_id: int):
        form = await _checked_form(request)
        wrong, _, name = str(form.get("link", "")).partition("|")
        right = str(form.get("right_id", "")).strip() or None
        return await _act(request, lambda db: correct_link(db, article_id, request.state.user, wrong, right,
                                                           [name] if name else None), databases, article_id)

    @app.post("/undo")
    async def undo(request: Request):
        await _checked_form(request)
        return await _act(request, lambda db: undo_last(db, request.state.user), databases, None)

    @app.post("/leases/renew")
    async def renew(request: Request):
        await _checked_form(request)
        held = await run_in_threadpool(lambda: renew_leases(databases.get(), request.state.user))
        return {"held": held}

    @app.get("/export.atom")
    def export_atom(request: Request, status: str = "accepted", since: str = ""):
        try:
            records = export_records(databases.get(), status=status, since=since or None)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(atom_feed(records, feed_url=str(request.url)), media_type="application/atom+xml")

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/"):
        return page_html(request, "login.html", {"next": _local_path(next), "error": ""})

    @app.post("/login")
    async def login(request: Request):
        form = await _checked_form(request)
        name, password = str(form.get("user", "")).strip(), str(form.get("password", ""))
        ok = await run_in_threadpool(lambda: check_login(databases.get(), name, password))
        if not ok:
            return page_html(request, "login.html", {"next": _local_path(str(form.get("next", "/"))),
                                                "error": "Unknown user or wrong password."}, status_code=401)
        request.state.session = Session.new(user=name)   # a new session and CSRF token on login
        return RedirectResponse(_local_path(str(form.get("next", "/"))), status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        await _checked_form(request)
        request.state.session = Session.new()
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfError)
    async def csrf_failed(request: Request, exc: CsrfError):
        return JSONResponse({"error": str(exc)}, status_code=403)

    return app


class CsrfError(Exception):
    pass


async def _checked_form(request: Request):
    """The POSTed form, once its CSRF token (field `csrf` or header X-CSRF-Token) matches the session's."""
    form = await request.form()
    token = request.headers.get("x-csrf-token") or form.get("csrf")
    if not request.state.session.csrf_ok(str(token) if token else None):
        raise CsrfError("missing or wrong CSRF token: reload the page")
    return form


async def _act(request: Request, action, databases: Databases, article_id: int | None):
    """Run a store action in a worker thread; answer JSON to the page's script, a redirect to a form."""
    try:
        result = await run_in_threadpool(lambda: action(databases.get()))
    except TriageConflict as exc:
        return _answer(request, {"error": str(exc)}, 409, article_id)
    except (TriageError, ValueError) as exc:
        return _answer(request, {"error": str(exc)}, 400, article_id)
    return _answer(request, {"ok": True, "result": result}, 200, article_id)


def _answer(request: Request, body: dict, status: int, article_id: int | None):
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(body, status_code=status)
    if status != 200:
        return JSONResponse(body, status_code=status)
    back = _local_path(request.headers.get("referer", "/"))
    return RedirectResponse(back + (f"#story-{article_id}" if article_id else ""), status_code=303)


def _finish(response: Response, session: Session, signer: SessionSigner, request: Request) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if session.changed:
        response.set_cookie(COOKIE_NAME, signer.dumps(session), max_age=MAX_AGE_SECONDS, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


def _local_path(target: str) -> str:
    """Only a path on this site (no open redirect to another host)."""
    parts = urlsplit(target or "/")
    if (parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//")
            or "\\" in target):   # browsers read "/\\host" as "//host"
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _next_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _basic_auth_user(request: Request, databases: Databases) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        name, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return name if check_login(databases.get(), name, password) else None
