"""The triage queue, write side: leases, decisions, tag edits, notes, firm-link corrections and undo.

Every change is a row in `decisions` (who, what, when, and what it replaced, so it can be undone),
written in one IMMEDIATE transaction with the state it changes: two researchers acting at once are
serialised by SQLite, and a decision taken on a state that changed meanwhile is refused with a
TriageConflict instead of silently overwriting the other's.
"""
from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from store.articles import utc_now
from store.corrections import record_correction
from store.triage import STATUSES, TAG_KINDS

LEASE_MINUTES = 15
STATUS_ACTIONS = {"accept": "accepted", "reject": "rejected", "bookmark": "bookmarked", "reopen": "open",
                  "skip": None}


class TriageError(ValueError):
    """A request that cannot be carried out as asked: no such story, a missing reason, nothing to undo."""


class TriageConflict(RuntimeError):
    """Another researcher holds the story or changed it first."""


@contextlib.contextmanager
def immediate(db: Database):
    """A write transaction taken at once (BEGIN IMMEDIATE), so a read-then-write cannot race another writer."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


def lease_expiry(minutes: int = LEASE_MINUTES) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def lease_stories(db: Database, user: str, article_ids: list[int]) -> list[int]:
    """Lease `article_ids` to `user` (those no one else holds) and release the user's other leases.
    Returns the ids now held by the user. Call inside `immediate` with the query that chose them."""
    now = utc_now()
    expires = lease_expiry()
    with immediate(db):
        db.execute("delete from leases where expires <= ?", [now])
        marks = ",".join("?" * len(article_ids))
        db.execute(f"delete from leases where user = ? and article_id not in ({marks})", [user, *article_ids])
        db.conn.executemany(
            """insert into leases (article_id, user, expires) values (?, ?, ?)
               on conflict (article_id) do update set expires = excluded.expires where leases.user = excluded.user""",
            [(article_id, user, expires) for article_id in article_ids])
        return [row[0] for row in db.execute(
            f"select article_id from leases where user = ? and article_id in ({marks})", [user, *article_ids])]


def renew_leases(db: Database, user: str) -> int:
    """Keep the user's stories while their page is open; returns how many are held."""
    with immediate(db):
        return db.execute("update leases set expires = ? where user = ? and expires > ?",
                          [lease_expiry(), user, utc_now()]).rowcount


def release_leases(db: Database, user: str) -> None:
    db.execute("delete from leases where user = ?", [user])
    db.conn.commit()


def decide(db: Database, article_id: int, user: str, action: str, *, reason: str = "",
           expected_status: str | None = None) -> dict:
    """Accept, reject (with a reason), bookmark, skip or reopen a flagged story.

    `expected_status` is the status the researcher saw: if it changed meanwhile, nothing is written
    and TriageConflict says who changed it. Returns the flag as it now is.
    """
    if action not in STATUS_ACTIONS:
        raise TriageError(f"unknown action {action!r}: one of {', '.join(STATUS_ACTIONS)}")
    reason = reason.strip()
    if action == "reject" and not reason:
        raise TriageError("a rejection needs a reason")
    if expected_status is not None and expected_status not in STATUSES:
        raise TriageError(f"unknown status {expected_status!r}")
    with immediate(db):
        flag = _flag_for_change(db, article_id, user)
        if expected_status is not None and flag["status"] != expected_status:
            raise TriageConflict(f"this story was {flag['status']} by {flag['decided_by'] or 'the pipeline'} "
                                 f"at {flag['decided_at'] or flag['created']} in the meantime")
        now = utc_now()
        status = STATUS_ACTIONS[action]
        payload = {"reason": reason, "before": _status_of(flag)}
        if status is not None:
            payload["after"] = {"status": status, "decided_by": user, "decided_at": now}
            db.execute("update flags set status = ?, decided_by = ?, decided_at = ? where article_id = ?",
                       [status, user, now, article_id])
        _record(db, article_id, user, action, payload, now)
        if action != "bookmark":
            db.execute("delete from leases where article_id = ? and user = ?", [article_id, user])
        return _flag_state(db, article_id)


def edit_tag(db: Database, article_id: int, user: str, kind: str, value: str, op: str) -> None:
    """Add a tag to a story, or remove one (suggested or added): kept apart from the suggestions."""
    value = value.strip()
    if kind not in TAG_KINDS:
        raise TriageError(f"unknown tag kind {kind!r}: one of {', '.join(TAG_KINDS)}")
    if op not in ("add", "remove"):
        raise TriageError(f"unknown tag operation {op!r}: add or remove")
    if not value:
        raise TriageError("an empty tag")
    if kind == "country":
        value = value.upper()
    with immediate(db):
        _flag_for_change(db, article_id, user)
        before = db.execute("select op, user, created from tag_edits where article_id = ? and kind = ? and value = ?",
                            [article_id, kind, value]).fetchone()
        now = utc_now()
        db.execute(
            """insert into tag_edits (article_id, kind, value, op, user, created) values (?, ?, ?, ?, ?, ?)
               on conflict (article_id, kind, value) do update set op = excluded.op, user = excluded.user,
                 created = excluded.created""",
            [article_id, kind, value, op, user, now])
        _record(db, article_id, user, f"tag_{op}",
                {"kind": kind, "value": value, "before": list(before) if before else None}, now)


def add_note(db: Database, article_id: int, user: str, text: str) -> None:
    text = text.strip()
    if not text:
        raise TriageError("an empty note")
    with immediate(db):
        _flag_for_change(db, article_id, user)
        _record(db, article_id, user, "note", {"text": text}, utc_now())


def correct_link(db: Database, article_id: int, user: str, wrong_id: str, right_id: str | None,
                 names: list[str] | None = None) -> dict:
    """The story's mentions linked to `wrong_id` by the given names (default: all of them) are
    `right_id`, or no tracked firm when None ("Arquus" linked to Volvo is Arquus; "Volvo Group" stays).

    The story's links change at once; and for the linker's next runs, each corrected name gets a
    "not this firm" correction for the wrong firm and an alias correction for the right one
    (store/corrections.py). Returns the names corrected.
    """
    if right_id == wrong_id:
        raise TriageError("the new firm is the one already linked")
    with immediate(db):
        _flag_for_change(db, article_id, user)
        if right_id and not db.execute("select 1 from companies where id = ?", [right_id]).fetchone():
            raise TriageError(f"unknown firm id {right_id!r}")
        mentions = [dict(zip(("field", "start", "end", "mention", "company_id", "confidence", "reason"), row))
                    for row in db.execute(
                        "select field, start, [end], mention, company_id, confidence, reason from mentions "
                        "where article_id = ? and company_id = ?", [article_id, wrong_id])]
        if names:
            mentions = [m for m in mentions if m["mention"] in names]
        if not mentions:
            raise TriageError(f"story {article_id} has no link to {wrong_id!r}"
                              + (f" by the name(s) {', '.join(names)}" if names else ""))
        names = list(dict.fromkeys(m["mention"] for m in mentions))
        corrections = []
        for name in names:
            corrections.append(record_correction(db, "not_firm", name, wrong_id, user=user, article_id=article_id))
            if right_id:
                corrections.append(record_correction(db, "alias", name, right_id, user=user, article_id=article_id))
        reason = f"corrected by {user}" if right_id else f"not a tracked firm ({user})"
        db.conn.executemany(
            "update mentions set company_id = ?, confidence = 1.0, reason = ? "
            "where article_id = ? and field = ? and start = ? and [end] = ?",
            [(right_id, reason, article_id, m["field"], m["start"], m["end"]) for m in mentions])
        company_ids_before = _sync_flag_firms(db, article_id)
        now = utc_now()
        _record(db, article_id, user, "correct_link",
                {"from": wrong_id, "to": right_id, "names": names, "mentions_before": mentions,
                 "company_ids_before": company_ids_before, "corrections": corrections}, now)
    return {"names": names, "from": wrong_id, "to": right_id}


def undo_last(db: Database, user: str) -> dict:
    """Revert the user's latest decision not yet undone. Refused (TriageConflict) when someone
    changed the story since. Returns the undone decision."""
    with immediate(db):
        row = db.execute(
            """select id, article_id, action, payload, created from decisions
               where user = ? and undone_by is null and action != 'undo' order by id desc limit 1""",
            [user]).fetchone()
        if row is None:
            raise TriageError("nothing to undo")
        decision = dict(zip(("id", "article_id", "action", "payload", "created"), row))
        payload = json.loads(decision["payload"])
        article_id = decision["article_id"]
        if "after" in payload:
            now_state = _status_of(_flag_state(db, article_id))
            if now_state != payload["after"]:
                raise TriageConflict(f"story {article_id} changed since: now {now_state['status']} "
                                     f"by {now_state['decided_by']}")
            before = payload["before"]
            db.execute("update flags set status = ?, decided_by = ?, decided_at = ? where article_id = ?",
                       [before["status"], before["decided_by"], before["decided_at"], article_id])
        elif decision["action"] in ("tag_add", "tag_remove"):
            if payload["before"]:
                op, by, created = payload["before"]
                db.execute("update tag_edits set op = ?, user = ?, created = ? where article_id = ? and kind = ? "
                           "and value = ?", [op, by, created, article_id, payload["kind"], payload["value"]])
            else:
                db.execute("delete from tag_edits where article_id = ? and kind = ? and value = ?",
                           [article_id, payload["kind"], payload["value"]])
        elif decision["action"] == "correct_link":
            _undo_link(db, article_id, payload)
        undo_id = _record(db, article_id, user, "undo", {"undid": decision["id"], "action": decision["action"]},
                          utc_now())
        db.execute("update decisions set undone_by = ? where id = ?", [undo_id, decision["id"]])
    return decision


def decisions_of(db: Database, article_id: int) -> list[dict]:
    return list(db.query("select * from decisions where article_id = ? order by id", [article_id]))


def _undo_link(db: Database, article_id: int, payload: dict) -> None:
    for m in payload["mentions_before"]:
        db.execute("update mentions set company_id = ?, confidence = ?, reason = ? "
                   "where article_id = ? and field = ? and start = ? and [end] = ?",
                   [m["company_id"], m["confidence"], m["reason"], article_id, m["field"], m["start"], m["end"]])
    db.execute("update flags set company_ids = ? where article_id = ?",
               [json.dumps(payload["company_ids_before"]), article_id])
    marks = ",".join("?" * len(payload["corrections"]))
    db.execute(f"delete from link_corrections where id in ({marks})", payload["corrections"])


def _flag_for_change(db: Database, article_id: int, user: str) -> dict:
    flag = _flag_state(db, article_id)
    if flag is None:
        raise TriageError(f"no flagged story {article_id}")
    holder = db.execute("select user from leases where article_id = ? and user != ? and expires > ?",
                        [article_id, user, utc_now()]).fetchone()
    if holder:
        raise TriageConflict(f"{holder[0]} is triaging this story")
    return flag


def _flag_state(db: Database, article_id: int) -> dict | None:
    row = db.execute("select status, decided_by, decided_at, created from flags where article_id = ?",
                     [article_id]).fetchone()
    return dict(zip(("status", "decided_by", "decided_at", "created"), row)) if row else None


def _status_of(flag: dict) -> dict:
    return {"status": flag["status"], "decided_by": flag["decided_by"], "decided_at": flag["decided_at"]}


def _sync_flag_firms(db: Database, article_id: int) -> list[str]:
    """Set the flag's firm ids from its mentions; returns the ids it had."""
    before = json.loads(db.execute("select company_ids from flags where article_id = ?",
                                   [article_id]).fetchone()[0] or "[]")
    now = [r[0] for r in db.execute("select distinct company_id from mentions where article_id = ? "
                                    "and company_id is not null order by 1", [article_id])]
    db.execute("update flags set company_ids = ? where article_id = ?", [json.dumps(now), article_id])
    return before


def _record(db: Database, article_id: int, user: str, action: str, payload: dict, now: str) -> int:
    cursor = db.execute("insert into decisions (article_id, user, action, payload, created) values (?, ?, ?, ?, ?)",
                        [article_id, user, action, json.dumps(payload, ensure_ascii=False), now])
    return cursor.lastrowid
