"""`/api/saved-replies`: replies kept in the four languages for agents to insert."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from ccc.api.deps import CallerDep, SessionDep
from ccc.api.params import SOME_TEXT
from ccc.kernel.paging import MAX_ID
from ccc.replies import service
from ccc.replies.models import SavedReply

router = APIRouter(tags=["saved replies"])
ReplyId = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(min_length=1, max_length=service.MAX_TEXT, pattern=SOME_TEXT)]


class Texts(BaseModel):
    """One text per language of the centre; `{reference}` is replaced by the ticket's."""

    model_config = ConfigDict(extra="forbid")
    ar: Text
    ckb: Text
    kmr: Text
    en: Text


class SavedReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=service.MAX_NAME, pattern=SOME_TEXT)
    texts: Texts


class SavedReplyOut(BaseModel):
    id: int
    name: str
    texts: Texts
    created_at: datetime


def _out(reply: SavedReply) -> SavedReplyOut:
    assert reply.id is not None
    return SavedReplyOut(
        id=reply.id,
        name=reply.name,
        texts=Texts.model_validate(reply.texts),
        created_at=reply.created_at,
    )


@router.get("/api/saved-replies", response_model=list[SavedReplyOut])
def list_saved_replies(session: SessionDep, caller: CallerDep) -> list[SavedReplyOut]:
    """Every saved reply, by name; every role reads them."""
    return [_out(reply) for reply in service.all_replies(session)]


@router.post("/api/saved-replies", status_code=201, response_model=SavedReplyOut)
def create_saved_reply(body: SavedReplyIn, session: SessionDep, caller: CallerDep) -> SavedReplyOut:
    """Supervisors and admins only (403 otherwise); a name in use is 409."""
    reply = service.create(session, caller=caller, name=body.name, texts=body.texts.model_dump())
    return _out(reply)


@router.delete("/api/saved-replies/{reply_id}", status_code=204)
def delete_saved_reply(reply_id: ReplyId, session: SessionDep, caller: CallerDep) -> Response:
    service.delete(session, caller=caller, reply_id=reply_id)
    return Response(status_code=204)
