"""What the year page and the dashboard share: the words for a figure's keys, and the page a
refused or failed report shows.

A report's rows are keyed by slugs (`tracing`, `voice`, `ninawa`, a team's `ccc`). Each is shown
through the catalogues: first the keyed entry (`category:tracing`), which words it in English as
well, then the slug's own entry (what the rest of the console shows), then, for a team, the name
an administrator gave it; a slug nobody has worded stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from ccc.access.models import Team
from ccc.console.feedback import explain
from ccc.console.i18n import catalogue, value_word
from ccc.console.web import Console, page
from ccc.kernel.errors import CCCError

# A breakdown's name and the kind of key its rows carry.
KIND_OF = {
    "by_category": "category",
    "by_channel": "channel",
    "by_team": "team",
    "by_governorate": "governorate",
    "messages_received": "channel",
}


def label(kind: str, key: str, language: str, teams: Mapping[str, str] | None = None) -> str:
    words = catalogue(language)
    keyed = words.get(f"{kind}:{key}")
    if keyed:
        return keyed
    word = value_word(key, language)
    if kind == "team" and word == key and teams and key in teams:
        return teams[key]
    return word


def labeller(console: Console) -> Any:
    """`label` for this reader, with the teams' names at hand."""
    teams = team_names(console.session)

    def words(kind: str, key: str) -> str:
        return label(kind, key, console.language, teams)

    return words


def team_names(session: Session) -> dict[str, str]:
    return {slug: name for slug, name in session.exec(select(Team.slug, Team.name)).all()}


def failed(
    request: Request, template: str, console: Console, exc: CCCError, **context: Any
) -> HTMLResponse:
    """The report's page with the reason it cannot be shown, in the reader's language, and the
    error's own status."""
    return page(
        request,
        template,
        language=console.language,
        console=console,
        failure=explain(exc, console.language),
        status_code=exc.status_code,
        **context,
    )
