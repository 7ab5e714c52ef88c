"""The tables of logins and device tokens (issue 15, schema step 4).

`AppUser` and `DeviceToken` are ledger state (`user_added`/`user_changed`,
`device_token_added`/`device_token_revoked` carry everything a replay needs); `WebSession` and
`LoginAttempt` are not: a session or a failed login is no change of custody.
"""

from __future__ import annotations

import peewee

from custody.models.core import Base, Person, Station, TimeField


class AppUser(Base):
    """A login for the web pages (`custody user add`): a role (staff, custodian, leader, admin),
    the argon2 hash of the password, and the person the user is, if tied to one."""

    username = peewee.TextField(unique=True)
    role = peewee.TextField()
    person = peewee.ForeignKeyField(Person, null=True, backref="+")
    password_hash = peewee.TextField()
    active = peewee.BooleanField(default=True)
    created_at = TimeField()
    changed_at = TimeField()


class WebSession(Base):
    """A signed-in browser: the sha256 of its cookie's random token (never the token), the CSRF
    token of its forms, when it was last seen (idle expiry) and when it ends regardless."""

    token_hash = peewee.TextField(unique=True)
    user = peewee.ForeignKeyField(AppUser, backref="+")
    csrf_token = peewee.TextField()
    created_at = TimeField()
    last_seen_at = TimeField()
    expires_at = TimeField()  # absolute: the session ends then, however busy
    address = peewee.TextField()
    ended_at = TimeField(null=True)  # signed out (or ended by an admin)


class LoginAttempt(Base):
    """One try at `POST /login`, counted for the rate limit by user name and by address."""

    username = peewee.TextField()
    address = peewee.TextField()
    at = TimeField()
    ok = peewee.BooleanField()


class DeviceToken(Base):
    """One scanner device's bearer token at a station: only its sha256 is kept (and its first
    characters, for listing). Revoked tokens stay, with the time they were revoked."""

    station = peewee.ForeignKeyField(Station, backref="+")
    device = peewee.TextField()
    token_hash = peewee.TextField(unique=True)
    token_hint = peewee.TextField()
    created_at = TimeField()
    revoked_at = TimeField(null=True)


TABLES: tuple[type[Base], ...] = (AppUser, WebSession, LoginAttempt, DeviceToken)
