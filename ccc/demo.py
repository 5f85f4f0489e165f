"""Demo teams and one user per role, so a new user can try CCC in minutes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from ccc.access.auth import caller_for_token, issue_token
from ccc.access.models import TeamMembership, User
from ccc.access.teams import ensure_team
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


def load_demo(
    session: Session,
    tokens_file: Path | None = TOKENS_FILE,
    passwords_file: Path | None = PASSWORDS_FILE,
    *,
    token_days: float = 90,
) -> list[str]:
    """Creates what is missing and prints each demo user's token, console password and what
    they may see.

    Running it twice changes nothing: tokens are stored hashed, so the demo keeps the clear
    tokens and passwords it issued in local files (mode 600, never committed) and prints the
    same ones again. Without files (`None`: a database that is not a local SQLite demo) every run
    issues new tokens. Demo users are for trying CCC; a real deployment creates users with
    `ccc user add`.
    """
    teams = {slug: ensure_team(session, slug=slug, name=name) for slug, name in TEAMS.items()}
    known = _read_tokens(tokens_file) if tokens_file is not None else {}
    lines = [
        f"teams: {', '.join(TEAMS)}",
        "role         user             API token  console password",
    ]
    rows: list[tuple[str, str, str]] = []
    for name, role, team_slugs in USERS:
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None:
            user = User(name=name, role=role)
            session.add(user)
            session.flush()
        assert user.id is not None
        token = known.get(name)
        caller = caller_for_token(session, token=token, token_days=token_days) if token else None
        if token is None or caller is None or caller.user_id != user.id:
            token = issue_token(session, user=user)
        for slug in team_slugs:
            team_id = teams[slug].id
            assert team_id is not None
            if session.get(TeamMembership, (user.id, team_id)) is None:
                session.add(TeamMembership(user_id=user.id, team_id=team_id))
        known[name] = token
        rows.append((role, name, token))
    if tokens_file is not None:
        _write_tokens(tokens_file, known)
    kept = _read_tokens(passwords_file) if passwords_file is not None else {}
    passwords = ensure_demo_passwords(session, names=[name for _, name, _ in rows], known=kept)
    if passwords_file is not None:
        _write_tokens(passwords_file, passwords)
    lines += [f"{role:12} {name:16} {token} {passwords[name]}" for role, name, token in rows]
    lines.append("what each login may see:")
    lines.extend(f"  {name}: {SEES[name]}" for name, _role, _teams in USERS)
    return lines


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
