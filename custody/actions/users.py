"""Logins for the web pages (P23): users, their passwords, signing in, sessions.

A user has a role (staff, custodian, leader, admin) and may be tied to a person (by badge); the
password is kept as an argon2 hash (argon2-cffi), rehashed at the next sign-in when the hasher's
parameters change. Users are ledger state: `user_added` and `user_changed` carry every field a
replay needs, the password as `password_digest` (the sha256 of the stored hash), never the password.

Signing in (`authenticate`) is rate-limited in the database, so that every service process counts
the same attempts: 5 failures for one user name (since its last success) or 20 from one address
within 15 minutes, and further attempts are refused, without a password check, until the oldest
counted failure is 15 minutes old. An unknown user, an inactive one and a wrong password get the
same answer.

Sessions are server-side rows keyed by the sha256 of a random token (the cookie holds the token):
each has its own CSRF token, an idle expiry (the `web_session_idle_minutes` setting, default 30)
and an absolute one (12 hours after signing in). Sessions and attempts are not ledger state.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from custody import settings, vocab
from custody.actions.stations import hash_token
from custody.errors import Conflict, CustodyError, InvalidInput, NotFound
from custody.ledger import chain as ledger
from custody.messages import msg
from custody.models.users import AppUser
from custody.reports import lookup
from custody.store.core import Store

PASSWORD_MIN, PASSWORD_MAX = 8, 256
USERNAME_MAX = 64
ATTEMPT_WINDOW = timedelta(minutes=15)
USER_FAILURES, ADDRESS_FAILURES = 5, 20  # within ATTEMPT_WINDOW
SESSION_ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute per session

DEFAULT_HASHER = PasswordHasher()


class LoginRefused(CustodyError):
    """Signing in was refused: no such user, inactive, or a wrong password (one answer for all)."""

    http_status = 401


class TooManyAttempts(LoginRefused):
    """Too many failed sign-ins for this user name or from this address: retry later."""

    http_status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(msg("too many attempts, retry in {minutes} minutes", minutes=minutes))
        self.minutes = minutes


def password_digest(password_hash: str) -> str:
    """What the ledger keeps of a password: the sha256 hex of its stored argon2 hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def username_of(username: str) -> str:
    text = (username or "").strip()
    if not text or len(text) > USERNAME_MAX or not text.isprintable() or any(c.isspace() for c in text):
        raise InvalidInput(
            "user name {username!r} is invalid: 1–{n} printable characters without spaces",
            username=username,
            n=USERNAME_MAX,
        )
    return text


def check_password(password: str) -> str:
    """A new password: 8–256 characters (never shown back in the message)."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            "a password must be {low}–{high} characters long", low=PASSWORD_MIN, high=PASSWORD_MAX
        )
    return password


def _user(store: Store, username: str) -> AppUser:
    m = store.m
    found = m.AppUser.get_or_none(m.AppUser.username == username.strip())
    if found is None:
        raise NotFound("no user named {username!r}", username=username)
    return found  # type: ignore[no-any-return]


def _badge(store: Store, user: AppUser) -> str | None:
    return lookup.badge_of(store, user.person) or None if user.person_id else None


def add_user(
    store: Store,
    username: str,
    role: str,
    password: str,
    *,
    person: str | None = None,
    actor: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> AppUser:
    """A new login with `role` (slug, English or Chinese name); `person`: the badge of the person
    the user is. The password is hashed before the write transaction (argon2 takes a while)."""
    username = username_of(username)
    slug = vocab.role(role).slug
    stored = hasher.hash(check_password(password))
    m = store.m
    with store.writing():
        if m.AppUser.get_or_none(m.AppUser.username == username) is not None:
            raise Conflict("user {username!r} already exists", username=username)
        p = lookup.person_by_badge(store, person) if person else None
        now = store.now()
        user = m.AppUser.create(
            username=username,
            role=slug,
            person=p.id if p is not None else None,
            password_hash=stored,
            active=True,
            created_at=now,
            changed_at=now,
        )
        ledger.append(
            store,
            "user_added",
            now,
            person=p.id if p is not None else None,
            actor=actor,
            data={
                "username": username,
                "role": slug,
                "person": person.strip() if person else None,
                "active": True,
                "password_digest": password_digest(stored),
            },
        )
    return user  # type: ignore[no-any-return]


def _change(store: Store, user: AppUser, actor: str, **fields: object) -> AppUser:
    """Inside a write transaction: update `user`'s fields and record `user_changed`."""
    m = store.m
    now = store.now()
    m.AppUser.update(changed_at=now, **fields).where(m.AppUser.id == user.id).execute()
    data: dict[str, object] = {"username": user.username}
    for key, value in fields.items():
        if key == "password_hash":
            data["password_digest"] = password_digest(str(value))
        elif key == "person":
            data["person"] = lookup.badge_of(store, m.Person.get_by_id(value)) if value else None
        else:
            data[key] = value
    ledger.append(store, "user_changed", now, person=user.person_id, actor=actor, data=data)
    if "password_hash" in fields or fields.get("active") is False or "role" in fields:
        end_sessions(store, user)  # a new password, a new role or deactivation: signed in again, or never
    return m.AppUser.get_by_id(user.id)  # type: ignore[no-any-return]


def set_password(
    store: Store, username: str, password: str, *, actor: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> AppUser:
    """A new password; the user's open sessions end."""
    stored = hasher.hash(check_password(password))
    with store.writing():
        return _change(store, _user(store, username), actor, password_hash=stored)


def set_role(store: Store, username: str, role: str, *, actor: str) -> AppUser:
    slug = vocab.role(role).slug
    with store.writing():
        return _change(store, _user(store, username), actor, role=slug)


def set_person(store: Store, username: str, badge: str | None, *, actor: str) -> AppUser:
    """Tie the user to the person with `badge` (None: to nobody)."""
    with store.writing():
        user = _user(store, username)
        p = lookup.person_by_badge(store, badge) if badge else None
        return _change(store, user, actor, person=p.id if p is not None else None)


def deactivate(store: Store, username: str, *, actor: str) -> AppUser:
    """The user can no longer sign in; their open sessions end at once."""
    with store.writing():
        user = _user(store, username)
        if not user.active:
            return user
        return _change(store, user, actor, active=False)


def list_users(store: Store) -> list[AppUser]:
    m = store.m
    with store.reading():
        return list(m.AppUser.select().order_by(m.AppUser.username))


def user_json(store: Store, user: AppUser) -> dict[str, object]:
    """A user as the CLI's --json and the admin page show one (no hash, ever)."""
    return {
        "username": user.username,
        "role": user.role,
        "person": _badge(store, user),
        "person_name": user.person.name if user.person_id else None,
        "active": bool(user.active),
        "created_at": user.created_at.isoformat(),
        "changed_at": user.changed_at.isoformat(),
    }


# --- signing in --------------------------------------------------------------------------------


def _retry_minutes(failures: list[datetime], limit: int, now: datetime) -> int | None:
    """Minutes until fewer than `limit` of these failures (ascending) are inside the window."""
    if len(failures) < limit:
        return None
    frees_at = failures[len(failures) - limit] + ATTEMPT_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds() / 60))


def _limited(store: Store, username: str, address: str) -> int | None:
    """Minutes to wait when this user name or this address has too many recent failures."""
    m = store.m
    now = store.now()
    since = now - ATTEMPT_WINDOW
    A = m.LoginAttempt
    with store.reading():
        last_ok = (
            A.select(A.at)
            .where((A.username == username) & (A.ok == True) & (A.at >= since))  # noqa: E712
            .order_by(A.at.desc())
            .first()
        )
        start = max(since, last_ok.at) if last_ok is not None else since
        by_user = [
            r.at
            for r in A.select(A.at)
            .where((A.username == username) & (A.ok == False) & (A.at >= start))  # noqa: E712
            .order_by(A.at)
        ]
        by_address = [
            r.at
            for r in A.select(A.at)
            .where((A.address == address) & (A.ok == False) & (A.at >= since))  # noqa: E712
            .order_by(A.at)
        ]
    waits = [
        w
        for w in (
            _retry_minutes(by_user, USER_FAILURES, now),
            _retry_minutes(by_address, ADDRESS_FAILURES, now),
        )
        if w
    ]
    return max(waits) if waits else None


_dummy: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to check an unknown user's password against, so that the answer takes as long."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy:
        _dummy[key] = hasher.hash(secrets.token_urlsafe(16))
    return _dummy[key]


def authenticate(
    store: Store, username: str, password: str, address: str, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> AppUser:
    """The active user with this user name and password; raises `LoginRefused` (the same for an
    unknown user, an inactive one and a wrong password) or `TooManyAttempts`. Every checked attempt
    is recorded; a hash made with other parameters than `hasher`'s is replaced on success."""
    name = (username or "").strip()[: USERNAME_MAX + 1]
    address = (address or "-")[:64]
    wait = _limited(store, name, address)
    if wait is not None:
        raise TooManyAttempts(wait)
    m = store.m
    user = m.AppUser.get_or_none(m.AppUser.username == name) if name else None
    ok = False
    if isinstance(password, str) and len(password) <= PASSWORD_MAX:
        try:
            ok = hasher.verify(user.password_hash if user is not None else _dummy_hash(hasher), password)
        except (VerificationError, InvalidHashError):
            ok = False
    ok = ok and user is not None and bool(user.active)
    rehash = hasher.hash(password) if ok and hasher.check_needs_rehash(user.password_hash) else None
    with store.writing():
        m.LoginAttempt.create(username=name, address=address, at=store.now(), ok=ok)
        if ok and rehash is not None:
            user = _change(store, user, f"user:{name}", password_hash=rehash)
    if not ok:
        raise LoginRefused(msg("wrong user name or password"))
    return user  # type: ignore[return-value]


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A live session as a request sees it: the user, the session's CSRF token and its row id."""

    id: int
    user: AppUser
    csrf_token: str


def start_session(store: Store, user: AppUser, address: str) -> tuple[str, Session]:
    """A new session for `user`: returns the cookie's token (only its sha256 is kept) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = store.now()
    with store.writing():
        row = store.m.WebSession.create(
            token_hash=hash_token(token),
            user=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_ABSOLUTE,
            address=(address or "-")[:64],
        )
    return token, Session(row.id, user, csrf)


def session_for(store: Store, token: str) -> Session | None:
    """The live session this cookie token names, touched (idle expiry moves on); None when there is
    none, it ended, it has been idle longer than the setting or its 12 hours are over, or its user
    was deactivated."""
    if not token or len(token) > 256:
        return None
    m = store.m
    now = store.now()
    row = (
        m.WebSession.select(m.WebSession, m.AppUser)
        .join(m.AppUser)
        .where((m.WebSession.token_hash == hash_token(token)) & m.WebSession.ended_at.is_null())
        .first()
    )
    if row is None:
        return None
    idle = timedelta(minutes=int(settings.get(store, "web_session_idle_minutes")))
    if now >= row.expires_at or now - row.last_seen_at >= idle or not row.user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with store.writing():
            m.WebSession.update(last_seen_at=now).where(m.WebSession.id == row.id).execute()
    return Session(row.id, row.user, row.csrf_token)


def end_session(store: Store, token: str) -> None:
    """Sign out: the session this cookie token names ends (nothing happens for an unknown one)."""
    if not token or len(token) > 256:
        return
    m = store.m
    with store.writing():
        m.WebSession.update(ended_at=store.now()).where(
            (m.WebSession.token_hash == hash_token(token)) & m.WebSession.ended_at.is_null()
        ).execute()


def end_sessions(store: Store, user: AppUser) -> int:
    """Every open session of `user` ends (a new password, a new role, deactivation)."""
    m = store.m
    with store.writing():
        return int(
            m.WebSession.update(ended_at=store.now())
            .where((m.WebSession.user == user.id) & m.WebSession.ended_at.is_null())
            .execute()
        )


__all__ = [
    "LoginRefused",
    "Session",
    "TooManyAttempts",
    "add_user",
    "authenticate",
    "deactivate",
    "end_session",
    "end_sessions",
    "list_users",
    "password_digest",
    "session_for",
    "set_password",
    "set_person",
    "set_role",
    "start_session",
    "user_json",
]
