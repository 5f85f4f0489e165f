"""Demo teams and one user per role, so a new user can try CCC in minutes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from ccc.access.auth import caller_for_token, issue_token
from ccc.access.models import Team, TeamMembership, User
from ccc.access.service import ensure_team
from ccc.console.auth import ensure_demo_passwords

TOKENS_FILE = Path(".ccc-demo-tokens.json")
PASSWORDS_FILE = Path(".ccc-demo-passwords.json")

TEAMS = {
    "ccc": "Community Contact Centre agents",
    "tracing": "Tracing (missing persons)",
    "detention": "Detention (detainees and their families)",
    "assistance": "Assistance (cash, livelihood, rehabilitation, health)",
    "accountability": "Accountability and complaints (focal team)",
}

USERS: tuple[tuple[str, str, list[str]], ...] = (
    ("demo-agent", "agent", ["ccc"]),
    ("demo-tracing", "team_member", ["tracing"]),
    ("demo-supervisor", "supervisor", ["ccc"]),
    ("demo-admin", "admin", []),
    ("demo-accountability", "team_member", ["accountability"]),
)

# What each demo login may see, printed by `ccc demo` so that trying the access model needs no
# reading of the code (docs/access.md has the whole model).
SEES = {
    "demo-agent": "every ticket but restricted ones; a sensitive ticket's answers, timeline "
    "and referral notes only while it is with ccc or referred to ccc",
    "demo-tracing": "tracing's tickets and those referred to tracing, never restricted ones; "
    "referral notes of its own referrals only",
    "demo-supervisor": "every ticket but restricted ones, with their details; reports "
    "(restricted cases left out) and the audit log (without restricted tickets' entries)",
    "demo-admin": "the same as demo-supervisor",
    "demo-accountability": "accountability's tickets and every restricted ticket (staff "
    "conduct, sexual exploitation and abuse, fraud), with their details",
}


@dataclass(frozen=True)
class DemoLogins:
    """What `load_demo` issued: the clear tokens and passwords (to keep beside a SQLite demo
    database once the transaction has committed) and the lines to print."""

    tokens: dict[str, str]
    passwords: dict[str, str]
    lines: list[str]


def load_demo(
    session: Session,
    *,
    known_tokens: dict[str, str],
    known_passwords: dict[str, str],
    token_days: float = 90,
) -> DemoLogins:
    """Creates what is missing and says each demo user's token, console password and what
    they may see.

    Running it twice changes nothing: tokens are stored hashed, so the demo keeps the clear
    tokens and passwords it issued in local files (`read_secrets`/`keep_secrets`, mode 600,
    never committed) and gives the same ones again; with none known every run issues new ones.
    Demo users are for trying CCC; a real deployment creates users with `ccc user add`.
    """
    teams = {slug: ensure_team(session, slug=slug, name=name) for slug, name in TEAMS.items()}
    tokens = dict(known_tokens)
    rows: list[tuple[str, str]] = []
    for name, role, team_slugs in USERS:
        user = _demo_user(session, name, role)
        token = tokens.get(name)
        caller = caller_for_token(session, token=token, token_days=token_days) if token else None
        if token is None or caller is None or caller.user_id != user.id:
            token = issue_token(session, user=user)
        _join(session, user, [teams[slug] for slug in team_slugs])
        tokens[name] = token
        rows.append((role, name))
    passwords = ensure_demo_passwords(
        session, names=[name for _, name in rows], known=known_passwords
    )
    lines = [
        f"teams: {', '.join(TEAMS)}",
        "role         user             API token  console password",
        *(f"{role:12} {name:16} {tokens[name]} {passwords[name]}" for role, name in rows),
        "what each login may see:",
        *(f"  {name}: {SEES[name]}" for name, _role, _teams in USERS),
    ]
    return DemoLogins(tokens=tokens, passwords=passwords, lines=lines)


def _demo_user(session: Session, name: str, role: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        user = User(name=name, role=role)
        session.add(user)
        session.flush()
    return user


def _join(session: Session, user: User, teams: list[Team]) -> None:
    for team in teams:
        assert user.id is not None and team.id is not None
        if session.get(TeamMembership, (user.id, team.id)) is None:
            session.add(TeamMembership(user_id=user.id, team_id=team.id))


def read_secrets() -> tuple[dict[str, str], dict[str, str]]:
    """The demo tokens and passwords issued before, from the files beside the database."""
    return _read_tokens(TOKENS_FILE), _read_tokens(PASSWORDS_FILE)


def keep_secrets(logins: DemoLogins) -> None:
    """Called only after the commit: a file must never hold a token the database lacks."""
    _write_tokens(TOKENS_FILE, logins.tokens)
    _write_tokens(PASSWORDS_FILE, logins.passwords)


def _read_tokens(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_tokens(path: Path, tokens: dict[str, str]) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(tokens, indent=1), encoding="utf-8")
