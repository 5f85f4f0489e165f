"""The baseline for `bench/webhooks.py`: a bare FastAPI endpoint that stores each form post
with one INSERT and answers empty TwiML. Whatever CCC does beyond this (verifying, deduping,
the outbox, the chatbot turn) is what the comparison measures.

Run by the bench as `uvicorn bare_app:app --app-dir bench`, with `BENCH_DATABASE_URL` set.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert
from starlette.concurrency import run_in_threadpool

from ccc.kernel.db import make_engine

# The same engine set-up as CCC (WAL and BEGIN IMMEDIATE on SQLite), so only the work differs.
engine = make_engine(os.environ["BENCH_DATABASE_URL"])
metadata = MetaData()
inbound = Table(
    "bench_inbound",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sid", String(64)),
    Column("sender", String(64)),
    Column("body", Text),
)
metadata.create_all(engine)

app = FastAPI()


def _store(fields: dict[str, str]) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(inbound).values(
                sid=fields.get("MessageSid"), sender=fields.get("From"), body=fields.get("Body")
            )
        )


@app.post("/webhook")
async def webhook(request: Request) -> Response:
    fields = dict(parse_qsl((await request.body()).decode()))
    await run_in_threadpool(_store, fields)
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', media_type="text/xml")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
