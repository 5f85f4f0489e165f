"""Demo teams and one user per role, so a new user can try CCC in minutes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from ccc.access.auth import digest, new_token
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
)


def load_demo(
    session: Session, tokens_file: Path = TOKENS_FILE, passwords_file: Path = PASSWORDS_FILE
) -> list[str]:
    """Creates what is missing and prints each demo user's token and console password.

    Running it twice changes nothing: tokens are stored hashed, so the demo keeps the clear
    tokens it issued in a local file (mode 600, never committed) and prints the same ones
    again. Demo users are for trying CCC; a real deployment creates users with `ccc user add`.
    """
    teams = {slug: ensure_team(session, slug=slug, name=name) for slug, name in TEAMS.items()}
    known = _read_tokens(tokens_file)
    lines = [
        f"teams: {', '.join(TEAMS)}",
        "role         user             API token  console password",
    ]
    rows: list[tuple[str, str, str]] = []
    for name, role, team_slugs in USERS:
        user = session.exec(select(User).where(User.name == name)).first()
        token = known.get(name)
        if token is None or (user is not None and user.token_hash != digest(token)):
            token = new_token()
        if user is None:
            user = User(name=name, role=role, token_hash=digest(token))
        user.token_hash = digest(token)
        session.add(user)
        session.flush()
        assert user.id is not None
        for slug in team_slugs:
            team_id = teams[slug].id
            assert team_id is not None
            if session.get(TeamMembership, (user.id, team_id)) is None:
                session.add(TeamMembership(user_id=user.id, team_id=team_id))
        known[name] = token
        rows.append((role, name, token))
    _write_tokens(tokens_file, known)
    kept = _read_tokens(passwords_file)
    passwords = ensure_demo_passwords(session, names=[name for _, name, _ in rows], known=kept)
    _write_tokens(passwords_file, passwords)
    lines += [f"{role:12} {name:16} {token} {passwords[name]}" for role, name, token in rows]
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
