"""What the console tells its user after an action: a flash that says it was done, or the
reason it was not, both in the user's language.

Services raise errors with English details, written for API clients. A page in Arabic or
Kurdish must not show them: `explain` finds the catalogue's wording for each known detail
(with its values, themselves translated where they are UI words), and falls back to a
translated sentence for the error's kind, so no English sentence reaches such a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request, Response

from ccc.console import i18n
from ccc.kernel.errors import CCCError

FLASH_COOKIE = "ccc_flash"
HOME = "/console"

# Keys a response may set; the cookie carries only the key, never text.
FLASHES = {
    "reply": "Reply sent",
    "note": "Note added",
    "changed": "Changes saved",
    "referred": "Referred",
    "accepted": "Referral accepted",
    "rejected": "Referral rejected",
    "completed": "Referral completed",
    "attempt": "Callback attempt recorded",
    "language": "Language changed",
    "totp_on": "Second factor turned on",
    "totp_off": "Second factor turned off",
    "break_glass": "Restricted access granted: the focal team has been told",
    "saved_reply_added": "Saved reply added",
    "saved_reply_deleted": "Saved reply deleted",
    "prompt_uploaded": "Recording saved: the next call plays it",
}


def flash(response: Response, key: str, *, secure: bool) -> Response:
    """Shown once, by the next full page this browser opens."""
    if key not in FLASHES:
        raise ValueError(f"unknown flash {key!r}")
    response.set_cookie(
        FLASH_COOKIE, key, path=HOME, httponly=True, samesite="lax", secure=secure, max_age=60
    )
    return response


def take_flash(request: Request, language: str) -> str | None:
    """The pending flash's words; htmx's partial requests (polls) leave it for the page."""
    if request.headers.get("hx-request"):
        return None
    key = request.cookies.get(FLASH_COOKIE)
    if key is None or key not in FLASHES:
        return None
    return i18n.gettext_for(language)(FLASHES[key])


def forget_flash(request: Request, response: Response) -> None:
    if FLASH_COOKIE in request.cookies and not request.headers.get("hx-request"):
        response.delete_cookie(FLASH_COOKIE, path=HOME)


@dataclass(frozen=True)
class Known:
    """One detail the services raise: its shape, and the catalogue's words for it. The named
    groups listed in `words` are UI words (statuses, outcomes) and are translated too."""

    pattern: re.Pattern[str]
    message: str
    words: tuple[str, ...] = ()
    prefix: str = ""  # of the words' catalogue keys ("attempt:" for a callback's result)


def _known(pattern: str, message: str, *words: str, prefix: str = "") -> Known:
    return Known(re.compile(pattern), message, words, prefix)


KNOWN = (
    _known(r"^break-glass access needs a reason", "Restricted access needs a reason."),
    _known(
        r"^break-glass access is for supervisors and admins",
        "Restricted access is for supervisors and admins.",
    ),
    _known(
        r"^this ticket is not restricted: open it as usual",
        "This ticket is not restricted: open it as usual.",
    ),
    _known(
        r"^you are in the focal team and see this ticket already",
        "You are in the focal team and see this ticket already.",
    ),
    _known(r"^ticket not found", "There is no such ticket, or it is not yours to see."),
    _known(
        r"^(?:an? )?(?P<old>\w+) ticket cannot become (?P<new>\w+);",
        "A ticket that is %(old)s cannot become %(new)s.",
        "old",
        "new",
    ),
    _known(
        r"^a ticket becomes 'referred' only by a referral",
        "A ticket becomes referred only by a referral to a team.",
    ),
    _known(
        r"^resolving without telling the person needs a 'reason'",
        "Resolving without a message to the person needs a reason.",
    ),
    _known(r"^unknown team '(?P<value>[^']*)'", "Unknown team: %(value)s"),
    _known(r"^unknown user '(?P<value>[^']*)'", "Unknown user: %(value)s"),
    _known(r"^unknown \w+ '(?P<value>[^']*)'; one of", "Not one of the choices: %(value)s"),
    _known(r"^a (note|reply) needs some text", "Write some text first."),
    _known(r"^q must be 1 to 200 characters", "Search for 1 to 200 characters."),
    _known(
        r"^(?:an? )?(?P<status>\w+) ticket cannot be referred",
        "A ticket that is %(status)s cannot be referred; reopen it first.",
        "status",
    ),
    _known(
        r"^the ticket is already referred to (?P<value>\S+)",
        "The ticket is already referred to %(value)s.",
    ),
    _known(
        r"^a restricted ticket is not referred",
        "A restricted ticket is not referred: only its focal team may see it.",
    ),
    _known(
        r"^only the team the ticket was referred to",
        "Only the team the ticket was referred to can answer this referral.",
    ),
    _known(
        r"^an? (?P<status>\w+) referral cannot be (accepted|rejected)",
        "A referral that is %(status)s cannot be answered again.",
        "status",
    ),
    _known(
        r"^(?:an? )?(?P<status>\w+) referral cannot be completed",
        "A referral that is %(status)s cannot be completed; accept it first.",
        "status",
    ),
    _known(r"^rejecting a referral needs a 'reason'", "Rejecting a referral needs a reason."),
    _known(r"^completing a referral needs an 'outcome'", "Completing a referral needs an outcome."),
    _known(
        r"^callback \d+ is already (?P<status>\w+)",
        "This callback is already closed (%(status)s).",
        "status",
        prefix="attempt:",
    ),
    _known(
        r"^only a supervisor, an admin or the focal team may lower sensitivity",
        "Only a supervisor, an admin or the focal team may lower the sensitivity.",
    ),
    _known(
        r"^a team member may only hand a ticket back to",
        "A team member may only hand a ticket back to the contact centre.",
    ),
    _known(
        r"^a team member may assign a ticket only to someone of its team",
        "A team member may assign a ticket only to someone of its team.",
    ),
    _known(
        r"^a restricted ticket stays with the focal team",
        "A restricted ticket stays with the focal team; lower its sensitivity first.",
    ),
    _known(
        r"^moving or referring a sensitive ticket",
        "Moving or referring a sensitive ticket is for its team and supervisors.",
    ),
    _known(
        r"^the person has not agreed to share their data",
        "The person has not agreed to share their data; a supervisor may refer it with a "
        "recorded reason.",
    ),
    _known(
        r"^only a supervisor or an admin may override",
        "Only a supervisor or an admin may override the person's consent.",
    ),
    _known(
        r"^the details of a sensitive ticket",
        "The details of a sensitive ticket are for its team and supervisors.",
    ),
    _known(
        r"^calls and callbacks are for agents",
        "Calls and callbacks are for agents, supervisors and admins.",
    ),
    _known(r"^the dashboard is for supervisors", "The dashboard is for supervisors and admins."),
    _known(r"^(from|to) must be a date", "Dates are written YYYY-MM-DD."),
    _known(
        r"^a text is needed in every language; missing or blank: (?P<value>.+)$",
        "A text is needed in every language; missing: %(value)s",
    ),
    _known(r"^a saved reply needs a name", "A saved reply needs a name."),
    _known(
        r"^a saved reply with this name exists already",
        "A saved reply with this name exists already.",
    ),
    _known(r"^only supervisors and admins keep", "Only supervisors and admins may do this."),
    _known(r"^no such saved reply", "This saved reply no longer exists."),
)

# Whatever a service raises that is not listed above still reads as its kind.
BY_STATUS = {
    403: "You may not do this.",
    404: "Not found",
    409: "This is not possible in the ticket's current state.",
    422: "Some of what was entered is not valid.",
}
OTHER = "The request could not be done."


# A refusal of the change form's fields: nothing of them was applied, and the page says which.
REFUSED_TOGETHER = "These changes cannot be made together, so nothing was changed: %(changes)s."
REFUSED_FIELDS = "Refused, so nothing was changed: %(changes)s."
FIELD_NAMES = {
    "status": "Status",
    "priority": "Priority",
    "team": "Team",
    "sensitivity": "Sensitivity",
    "assign": "Assignee",
}


def explain_changes(
    exc: CCCError, refused: list[tuple[str, str]], together: bool, language: str
) -> str:
    """One message for a refused set of changes: the fields (and the values) refused, on
    their own or as a combination, then the reason, all in the reader's language."""
    _ = i18n.gettext_for(language)
    changes = " · ".join(
        f"{_(FIELD_NAMES[field])} → {_(value) if field != 'assign' else value}"
        for field, value in refused
    )
    head = _(REFUSED_TOGETHER if together else REFUSED_FIELDS, changes=changes)
    return f"{head} {explain(exc, language)}"


def explain(exc: CCCError, language: str) -> str:
    """The error in the reader's words; English readers get the service's own detail."""
    if language == i18n.DEFAULT:
        return exc.detail
    _ = i18n.gettext_for(language)
    for known in KNOWN:
        match = known.pattern.search(exc.detail)
        if match is None:
            continue
        values = {"value": "", **match.groupdict()}
        for name in known.words:
            values[name] = _(known.prefix + values[name])
        return _(known.message, **values)
    return _(BY_STATUS.get(exc.status_code, OTHER))
