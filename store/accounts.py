"""Researchers' accounts for the triage app (table `users`, migration m006) and the key that signs
its session cookies (table `app_secrets`).

Passwords are stored as scrypt hashes (`scrypt$n$r$p$salt$hash`, hex), never as text.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets

from sqlite_utils import Database

from store.articles import utc_now

# scrypt cost: ~50 ms and 16 MiB per check on this machine, cheap for a login, costly for a guesser.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A name or password that cannot be used, or an account that does not exist."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def set_user(db: Database, name: str, password: str) -> bool:
    """Create the account `name`, or change its password; True when it was created."""
    if not USER_NAME.match(name):
        raise AccountError(f"invalid user name {name!r}: letters, digits and . _ @ - (up to 64)")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    existed = db.execute("select 1 from users where name = ?", [name]).fetchone() is not None
    db.execute(
        """insert into users (name, password_hash, created) values (?, ?, ?)
           on conflict (name) do update set password_hash = excluded.password_hash""",
        [name, hash_password(password), utc_now()],
    )
    return not existed


def remove_user(db: Database, name: str) -> None:
    """Delete an account (its decisions stay, under its name)."""
    if db.execute("delete from users where name = ?", [name]).rowcount == 0:
        raise AccountError(f"no account {name!r}")


def check_login(db: Database, name: str, password: str) -> bool:
    row = db.execute("select password_hash from users where name = ?", [name]).fetchone()
    if row is None:
        # Spend the same time as for a real account, so timing does not tell which names exist.
        password_matches(password, _dummy_hash())
        return False
    return password_matches(password, row[0])


def user_names(db: Database) -> list[str]:
    return [row[0] for row in db.execute("select name from users order by name")]


def has_accounts(db: Database) -> bool:
    return db.execute("select 1 from users limit 1").fetchone() is not None


def app_secret(db: Database, name: str = "session") -> bytes:
    """A random key kept in the database (made on first use), so sessions survive a restart."""
    with db.atomic():
        db.execute("insert or ignore into app_secrets (name, value) values (?, ?)", [name, secrets.token_hex(32)])
        return bytes.fromhex(db.execute("select value from app_secrets where name = ?", [name]).fetchone()[0])


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a password anyone has")
