"""Request dependencies. The session dependency owns the transaction: it commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from ccc.access.auth import caller_for_token
from ccc.access.policy import Caller, get_visible_ticket
from ccc.kernel.addresses import client_address
from ccc.kernel.errors import CCCError
from ccc.kernel.paging import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from ccc.kernel.web import RuntimeDep as RuntimeDep
from ccc.kernel.web import SessionDep as SessionDep
from ccc.kernel.web import SettingsDep as SettingsDep
from ccc.kernel.web import get_runtime as get_runtime
from ccc.kernel.web import get_session as get_session
from ccc.kernel.web import get_settings as get_settings
from ccc.tickets.models import Ticket


class Unauthorized(CCCError):
    status_code = 401


def get_caller(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Caller:
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    caller = caller_for_token(session, token=token.strip(), token_days=settings.token_days)
    if caller is None:
        raise Unauthorized("invalid or revoked token")
    # The audit log keeps the address a read or a change came from.
    return replace(caller, address=client_address(request, settings.trusted_proxies))


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_ticket_in_path(
    reference: str, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> Ticket:
    """The ticket of the path's `{reference}` that the caller may see: 404, exactly as for a
    ticket that does not exist, when they may not. Whether they may read its detail is still
    each route's question, answered through `ccc.access.audit.disclose`."""
    return get_visible_ticket(
        session, caller=caller, reference=reference, focal_team=settings.restricted_focal_team
    )


VisibleTicket = Annotated[Ticket, Depends(get_ticket_in_path)]


def get_page_params(
    cursor: Annotated[
        str | None, Query(max_length=64, description="The `next` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(cursor=cursor, limit=limit)


PageDep = Annotated[PageParams, Depends(get_page_params)]
