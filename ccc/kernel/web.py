"""The request dependencies every HTTP route needs, the core's and the adapters' alike: the
process's runtime, its settings, and a session that owns the transaction. It commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable. Adapters in `bots/` take these from
here, never from the composition root (`ccc.api`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from ccc.kernel.runtime import Runtime
from ccc.kernel.settings import Settings


# The two lookups are `async def`: FastAPI runs a plain `def` dependency in its thread pool, a
# hop there and back per request for reading an attribute.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.unit_of_work() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
