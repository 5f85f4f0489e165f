"""Console logins: argon2id passwords, server-side sessions, CSRF tokens, login limits.

The cookie carries a 256-bit random value; the database keeps only its SHA-256 digest (as for
API tokens, a fast hash is enough for a random secret). Ending a session is a row update, so a
stolen or old cookie stops working at once, in every web process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from ccc.access import audit
from ccc.access.models import User
from ccc.access.policy import Caller
from ccc.console.models import ConsoleSession, LoginAttempt
from ccc.kernel import timeutil
from ccc.kernel.errors import Invalid, NotFound

LANGUAGES = ("ar", "ckb", "kmr", "en")
MIN_PASSWORD = 10
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def now() -> datetime:
    """The console's clock (tests move it forward to expire sessions)."""
    return timeutil.utcnow()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a console password is at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise Invalid("a console password is at most 1000 characters")
    return _hasher.hash(password)


def set_password(session: Session, *, name: str, password: str, by: Caller | None = None) -> User:
    """A new password ends every console session of that user; both are in the audit log,
    as done `by` whoever set it (the user themself when not said)."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"no user {name!r}")
    user.password_hash = hash_password(password)
    session.add(user)
    who = by or _as_user(user)
    audit.record(session, caller=who, action=audit.Action.password_changed, user=user.name)
    end_user_sessions(session, user=user, reason="password_changed", by=who)
    return user


def set_language(session: Session, *, user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise Invalid(f"unknown language {language!r}; one of: {', '.join(LANGUAGES)}")
    user.language = language
    session.add(user)


def _password_refusal(user: User | None, password: str) -> str | None:
    """Why this password does not open this account (None: it does). A hash is verified
    even for an unknown name, so the answer takes as long either way."""
    stored = user.password_hash if user is not None else None
    try:
        matches = bool(_hasher.verify(stored or _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        matches = False
    if user is None:
        return "unknown_user"
    if not stored:
        return "no_console_password"
    if not matches:
        return "wrong_password"
    if not user.active:
        return "deactivated"
    return None


def verify_password(user: User | None, password: str) -> bool:
    return _password_refusal(user, password) is None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A session just created: the cookie value exists in clear only here."""

    token: str
    row: ConsoleSession


def too_many_failures(session: Session, *, username: str, address: str) -> bool:
    since = now() - ATTEMPT_WINDOW
    by_user = session.exec(
        select(func.count()).where(
            LoginAttempt.username == username, col(LoginAttempt.created_at) >= since
        )
    ).one()
    by_address = session.exec(
        select(func.count()).where(
            LoginAttempt.address == address, col(LoginAttempt.created_at) >= since
        )
    ).one()
    return by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS


def record_failure(session: Session, *, username: str, address: str) -> None:
    session.add(LoginAttempt(username=username[:120], address=address[:64], created_at=now()))


def totp_step(secret: str, code: str | None) -> int | None:
    """The 30-second step whose code this is, allowing one step of clock drift; None when
    the code matches none."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now())
    for step in (current - 1, current, current + 1):
        if step >= 0 and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp(user: User, secret: str, code: str | None) -> bool:
    """Whether `code` is a fresh code of `secret` for this user: a step at or before the last
    one accepted is refused, so a code seen over a shoulder or in a proxy log cannot log in
    again within its window. The step is remembered on success."""
    step = totp_step(secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _as_user(user: User, address: str | None = None) -> Caller:
    """The audit log's actor for what a console user does to their own account."""
    return Caller(user_id=user.id, name=user.name, role=user.role, address=address)


def record_login(
    session: Session, *, username: str, address: str, user: User | None, refusal: str | None
) -> None:
    """A login in the audit log (`login`): the name tried, the address, success or failure
    and why; a failure on an account that exists is filed under that account's user."""
    caller = (
        _as_user(user, address)
        if user is not None
        else Caller(user_id=None, name=username[:120] or "-", role="", address=address)
    )
    tried = username[:120]
    if refusal is None:
        audit.record(
            session, caller=caller, action=audit.Action.login, username=tried, outcome="success"
        )
        return
    audit.record(
        session,
        caller=caller,
        action=audit.Action.login,
        username=tried,
        outcome="failure",
        reason=refusal,
    )


def log_in(
    session: Session, *, username: str, password: str, address: str, code: str | None = None
) -> Opened | None:
    """A new session, or None (and the failure counted) for a wrong name, password or, for a
    user with a second factor, code. Either way the attempt is in the audit log."""
    user = session.exec(select(User).where(User.name == username)).first()
    refusal = _password_refusal(user, password)
    if refusal is None and user is not None and user.totp_secret:
        refusal = None if use_totp(user, user.totp_secret, code) else "wrong_code"
        session.add(user)
    record_login(session, username=username, address=address, user=user, refusal=refusal)
    if refusal is not None:
        record_failure(session, username=username, address=address)
        return None
    assert user is not None and user.id is not None
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    token = secrets.token_urlsafe(32)
    moment = now()
    row = ConsoleSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=moment,
        last_seen_at=moment,
    )
    session.add(row)
    session.flush()
    return Opened(token=token, row=row)


def open_session(
    session: Session,
    token: str,
    *,
    idle: timedelta,
    lifetime: timedelta,
    address: str | None = None,
) -> tuple[ConsoleSession, User] | None:
    """The live session for a cookie value and its user; an idle or too old one is ended,
    and its end is in the audit log (`logout`, reason `idle` or `lifetime`)."""
    row = session.exec(
        select(ConsoleSession).where(ConsoleSession.token_hash == digest(token))
    ).first()
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    moment = now()
    expired = "idle" if moment - row.last_seen_at > idle else None
    if moment - row.created_at > lifetime:
        expired = "lifetime"
    if expired or not user.active:
        end_session(session, row, user=user, reason=expired or "deactivated", address=address)
        return None
    # Writing on every request would serialise readers on SQLite: a minute is precise enough.
    if moment - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = moment
        session.add(row)
    return row, user


def end_session(
    session: Session,
    row: ConsoleSession,
    *,
    user: User,
    reason: str,
    address: str | None = None,
    by: Caller | None = None,
) -> None:
    """Ends one session, with a `logout` entry in the audit log saying why: `logout`, `idle`,
    `lifetime`, `revoked`, `deactivated` or `password_changed`."""
    row.ended_at = now()
    session.add(row)
    audit.record(
        session,
        caller=by or _as_user(user, address),
        action=audit.Action.logout,
        user=user.name,
        reason=reason,
        console_session=row.id,
    )


def end_user_sessions(
    session: Session, *, user: User, reason: str, by: Caller | None = None
) -> int:
    """Ends every console session of a user (new password, revoked or deactivated user),
    each in the audit log; returns how many."""
    rows = session.exec(
        select(ConsoleSession).where(
            col(ConsoleSession.user_id) == user.id, col(ConsoleSession.ended_at).is_(None)
        )
    ).all()
    for row in rows:
        end_session(session, row, user=user, reason=reason, by=by)
    return len(rows)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def ensure_demo_passwords(
    session: Session, *, names: list[str], known: dict[str, str]
) -> dict[str, str]:
    """Demo users' console passwords: the ones given if they still open the account, else
    new ones (so `ccc demo` twice prints the same passwords)."""
    passwords = {}
    for name in names:
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None:
            continue
        password = known.get(name)
        if password is None or not verify_password(user, password):
            password = secrets.token_urlsafe(12)
            user.password_hash = hash_password(password)
            session.add(user)
        passwords[name] = password
    return passwords


def offered_totp_secret(session: Session, *, user: User) -> str:
    """The secret the account page offers: chosen here and kept server-side until a code
    confirms it, so a user cannot pick their own (a form field would let them)."""
    if user.totp_pending is None:
        user.totp_pending = pyotp.random_base32()
        session.add(user)
    return user.totp_pending


def enable_totp(session: Session, *, user: User, code: str) -> bool:
    """Turns the second factor on once the user proved their app shows the right codes for
    the secret CCC offered them."""
    secret = user.totp_pending
    if secret is None or not use_totp(user, secret, code):
        return False
    user.totp_secret, user.totp_pending = secret, None
    session.add(user)
    return True


def disable_totp(session: Session, *, user: User) -> None:
    user.totp_secret = None
    user.totp_pending = None
    session.add(user)
