"""The triage app over real HTTP on 127.0.0.1: hostile article text escaped everywhere, CSRF on every
state-changing request, session cookies HttpOnly and SameSite, login beyond 127.0.0.1, no SQL injection."""
import base64
import json
import re

import httpx
import lxml.html
import pytest
from fastapi.routing import APIRoute

from spiders.dedup import content_hash
from store import open_db
from store.accounts import set_user
from store.annotations import save_analysis
from store.articles import save_article
from tests.triage_fixtures import build_triage_db, copy_db
from triage.app import Settings, create_app
from triage.server import ServeError, serve_in_thread, settings_for

HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)> Cobalt mine "child" labour'
HOSTILE_TEXT = ('Children dig cobalt for <svg onload=alert(2)> Apple suppliers. '
                '<a href="javascript:alert(3)">click</a> </textarea><script>alert(4)</script>')
HOSTILE_URL = "javascript:alert(5)//https://news.example/cobalt"


def add_hostile_story(db_path) -> int:
    """A flagged story whose title, text, evidence, firm mention and links all carry markup and scripts."""
    db = open_db(db_path)
    saved = save_article(db, {"url": HOSTILE_URL, "source_id": "ledger", "title": HOSTILE_TITLE,
                              "text": HOSTILE_TEXT, "language": "en", "published": "2024-05-01T00:00:00Z",
                              "content_hash": content_hash(HOSTILE_TEXT)})
    # A second outlet whose link is a data: URL.
    save_article(db, {"url": "data:text/html,<script>alert(6)</script>", "source_id": "wire",
                      "title": HOSTILE_TITLE, "text": HOSTILE_TEXT, "content_hash": content_hash(HOSTILE_TEXT)})
    save_analysis(db, saved.article_id, {
        "flagged": True, "score": 99.0, "flag_reason": "<b onmouseover=alert(7)>reason</b>",
        "companies": [{"id": "apple-us", "mention": "<svg onload=alert(2)> Apple", "field": "text", "start": 22,
                       "end": 49, "confidence": 0.9, "reason": "<i onclick=alert(8)>why</i>", "role": "accused"}],
        "issues": [{"tag": "Child labour", "tag_id": "child-labour", "family": "Labour",
                    "evidence": "Children dig cobalt for <svg onload=alert(2)> Apple suppliers.", "field": "text"}],
        "places": [{"country": "CD", "region": "<script>alert(9)</script>"}],
    })
    db.conn.close()
    return saved.article_id


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build_triage_db(tmp_path_factory.mktemp("security") / "triage.db")
    add_hostile_story(path)
    return path


@pytest.fixture
def db_path(template, tmp_path):
    return copy_db(template, tmp_path)


@pytest.fixture
def local_app(db_path):
    with serve_in_thread(Settings(db_path=db_path, local_user="alice")) as base_url:
        yield base_url


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def assert_no_live_markup(html: str) -> None:
    tree = lxml.html.fromstring(html)
    scripts = [s.get("src") for s in tree.iter("script")]
    assert scripts == ["/static/triage.js"], scripts             # no script but the app's own file
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith(("javascript:", "data:")), (element.tag, value)
    assert tree.xpath("//svg | //img | //iframe") == []


def test_hostile_titles_text_and_links_are_escaped(local_app, db_path):
    with httpx.Client(base_url=local_app) as client:
        page = client.get("/")
        assert page.status_code == 200
        html = page.text
        assert_no_live_markup(html)
        # The hostile story is shown, as text.
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
        assert "&lt;svg onload=alert(2)&gt;" in html
        tree = lxml.html.fromstring(html)
        story = tree.xpath('//article[.//h2[contains(., "Cobalt mine")]]')[0]
        assert story.xpath(".//h2/a") == []                         # a javascript: URL is not a link
        assert "<script>" in story.xpath("string(.//h2)")           # …but the title reads as written
        # Notes and tags a researcher types are escaped too.
        csrf = csrf_of(html)
        article_id = int(story.get("data-id"))
        for path, data in ((f"/stories/{article_id}/notes", {"text": "<script>alert('note')</script>"}),
                           (f"/stories/{article_id}/tags", {"kind": "region", "value": "<img src=x onerror=alert(1)>"})):
            answer = client.post(path, data=data, headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
            assert answer.status_code == 200, answer.text
        html = client.get("/").text
        assert_no_live_markup(html)
        assert "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_responses_forbid_inline_script_and_sniffing(local_app):
    page = httpx.get(local_app + "/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(local_app):
    cookie = httpx.get(local_app + "/").headers["set-cookie"]
    assert "rr_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def post_routes(app):
    for route in app.routes:
        if isinstance(route, APIRoute) and "POST" in route.methods:
            yield route.path.replace("{article_id}", "{id}")


def test_every_state_changing_request_needs_the_csrf_token(local_app, db_path):
    app = create_app(Settings(db_path=db_path))
    paths = sorted(post_routes(app))
    assert {"/stories/{id}/decide", "/stories/{id}/link", "/stories/{id}/tags", "/stories/{id}/notes", "/undo",
            "/login", "/logout", "/leases/renew"} <= set(paths)
    assert not [r for r in app.routes if isinstance(r, APIRoute) and r.methods & {"PUT", "PATCH", "DELETE"}]
    db = open_db(db_path)
    with httpx.Client(base_url=local_app) as client:
        html = client.get("/").text
        article_id = re.search(r'data-id="(\d+)"', html).group(1)
        form = {"action": "accept", "text": "a note", "kind": "issue", "value": "child-labour", "op": "add",
                "link": "apple-us|", "right_id": "", "user": "alice", "password": "x" * 8}
        for path in paths:
            url = path.replace("{id}", article_id)
            for headers, data in (({}, form), ({"X-CSRF-Token": "forged"}, form), ({}, {**form, "csrf": "forged"})):
                answer = client.post(url, data=data, headers=headers)
                assert answer.status_code == 403, (url, headers, answer.status_code)
        assert db.execute("select count(*) from decisions").fetchone()[0] == 0
        assert db.execute("select count(*) from tag_edits").fetchone()[0] == 0
        # The same request with the page's token goes through.
        answer = client.post(f"/stories/{article_id}/decide", data={"action": "accept", "csrf": csrf_of(html)})
        assert answer.status_code == 303
        assert db.execute("select user, action from decisions").fetchall() == [("alice", "accept")]


def test_a_forged_or_tampered_session_is_not_trusted(local_app):
    with httpx.Client(base_url=local_app) as client:
        client.get("/")
        value = client.cookies["rr_session"]
        body, signature = value.rsplit(".", 1)
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        forged_body = base64.urlsafe_b64encode(json.dumps({**data, "user": "mallory"}).encode()).decode().rstrip("=")
        client.cookies.set("rr_session", f"{forged_body}.{signature}")
        page = client.get("/")
        assert "mallory" not in page.text and "set-cookie" in page.headers   # a fresh session instead


def test_beyond_127_0_0_1_login_is_required(db_path):
    with pytest.raises(ServeError, match="rightsradar users add"):
        settings_for(db_path, "0.0.0.0")
    set_user(open_db(db_path), "alice", "correct horse battery")
    settings = settings_for(db_path, "0.0.0.0")
    assert settings.require_login
    assert not settings_for(db_path, "127.0.0.1").require_login
    with serve_in_thread(settings) as base_url, httpx.Client(base_url=base_url) as client:
        start = client.get("/")
        assert start.status_code == 303 and start.headers["location"].startswith("/login")
        assert client.post("/undo", headers={"Accept": "application/json"}).status_code == 401
        assert client.get("/export.atom").status_code == 303
        for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/"):
            login_page = client.get("/login", params={"next": target})
            assert 'name="next" value="/"' in login_page.text          # no redirect off the site
        csrf = csrf_of(login_page.text)
        wrong = client.post("/login", data={"user": "alice", "password": "wrong password", "csrf": csrf})
        assert wrong.status_code == 401 and "wrong password" in wrong.text
        anonymous_csrf = csrf
        right = client.post("/login", data={"user": "alice", "password": "correct horse battery", "csrf": csrf,
                                            "next": "/?status=open"})
        assert right.status_code == 303 and right.headers["location"] == "/?status=open"
        assert "HttpOnly" in right.headers["set-cookie"]
        page = client.get("/")
        assert page.status_code == 200 and '<span class="who">alice</span>' in page.text
        # Logging in gave a new CSRF token: the anonymous one no longer works.
        assert csrf_of(page.text) != anonymous_csrf
        assert client.post("/undo", data={"csrf": anonymous_csrf}).status_code == 403
        # The library pulls the Atom feed with HTTP Basic credentials.
        assert httpx.get(base_url + "/export.atom", auth=("alice", "correct horse battery")).status_code == 200
        assert httpx.get(base_url + "/export.atom", auth=("alice", "nope")).status_code != 200


def test_search_and_filters_take_sql_as_text(local_app, db_path):
    with httpx.Client(base_url=local_app) as client:
        for params in ({"q": "'; drop table flags; --"}, {"firm": "x' or '1'='1"}, {"country": "' or 1=1 --"},
                       {"source": "\" or \"\"=\""}, {"tag": "x') or ('1'='1"}):
            page = client.get("/", params=params)
            assert page.status_code == 200
            assert "No stories here" in page.text, params
    assert open_db(db_path).execute("select count(*) from flags").fetchone()[0] > 10
    assert httpx.get(local_app + "/", params={"since": "not a date"}).status_code == 400


def test_search_over_every_stored_article_escapes_snippets(local_app):
    with httpx.Client(base_url=local_app) as client:
        page = client.get("/search", params={"q": "cobalt suppliers"})
        assert page.status_code == 200
        assert_no_live_markup(page.text)
        assert "&lt;svg onload=alert(2)&gt;" in page.text and '<mark class="issue">cobalt</mark>' in page.text.lower()
        # Unflagged news is found too: the queue lists flagged stories only.
        jazz = client.get("/search", params={"q": "jazz festival"}).text
        assert "not flagged" in jazz and "Jazz" in jazz
        assert client.get("/search", params={"q": '"unclosed ('}).status_code == 200
