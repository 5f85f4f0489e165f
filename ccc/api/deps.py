"""Request dependencies. The session dependency owns the transaction: it commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel import Session

from ccc.access.auth import caller_for_token
from ccc.access.policy import Caller
from ccc.kernel.errors import CCCError
from ccc.kernel.runtime import Runtime
from ccc.kernel.settings import Settings


class Unauthorized(CCCError):
    status_code = 401


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.unit_of_work() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_caller(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    caller = caller_for_token(session, token=token.strip())
    if caller is None:
        raise Unauthorized("invalid or revoked token")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
