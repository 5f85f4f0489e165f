"""Contacts and their identities. One phone number on SMS, WhatsApp, voice and the simulator is
one contact; a Telegram chat is joined to a phone contact only when a person confirms it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, literal_column
from sqlalchemy.orm import SessionTransaction, make_transient_to_detached
from sqlalchemy.sql.elements import ColumnClause
from sqlmodel import Session, col, select

from ccc.channels.models import PHONE_CHANNELS, Channel
from ccc.contacts.models import Contact, Identity
from ccc.kernel.db import insert_unless_present
from ccc.kernel.timeutil import utcnow

IDENTITY: Table = Identity.__table__  # type: ignore[attr-defined]
CONTACT: Table = Contact.__table__  # type: ignore[attr-defined]

_LOCKED = "ccc.contacts.locked_identities"


def lock_identity(session: Session, identity_id: int) -> Identity | None:
    """The identity, its row locked until the transaction ends (one person's turns run one at
    a time). Locked once per transaction: a second caller in the same turn gets the row kept
    here (the session's own map holds rows only weakly) instead of sending the same
    `SELECT … FOR UPDATE` again."""
    root = session.get_transaction()
    mark = session.info.get(_LOCKED)
    rows: dict[int, Identity] = {}
    if mark is not None and mark[0] is root:
        rows = mark[1]
    else:
        session.info[_LOCKED] = (root, rows)
    identity = rows.get(identity_id)
    if identity is None:
        identity = session.get(Identity, identity_id, with_for_update=True)
        if identity is not None:
            rows[identity_id] = identity
    return identity


_FIND_IDENTITY = select(Identity).where(  # built once: every call's first request asks it
    Identity.channel == bindparam("b_channel"), Identity.address == bindparam("b_address")
)


def find_identity(session: Session, *, channel: str, address: str) -> Identity | None:
    return session.exec(_FIND_IDENTITY, params={"b_channel": channel, "b_address": address}).first()


def get_or_create_identity(
    session: Session, *, channel: str, address: str, display_name: str | None = None
) -> Identity:
    now = utcnow()
    identity = find_identity(session, channel=channel, address=address)
    if identity is None:
        identity = _create_identity(session, channel=channel, address=address, now=now)
    if isinstance(display_name, str) and display_name and not identity.display_name:
        identity.display_name = display_name[:200]
    identity.last_inbound_at = now  # a new identity has it already: no UPDATE after its INSERT
    session.add(identity)
    return identity


def _create_identity(session: Session, *, channel: str, address: str, now: datetime) -> Identity:
    """Written by `insert_identity` (no savepoint, no flush of the unit of work: a new caller's
    first request made its contact and identity in five statements, now three) and put in the
    session as written."""
    made = insert_identity(session, channel=channel, address=address, display_name=None, now=now)
    if made is None:
        # Another request created it a moment ago; theirs is as good as ours.
        existing = find_identity(session, channel=channel, address=address)
        assert existing is not None
        return existing
    identity_id, contact_id = made
    identity = Identity(
        id=identity_id,
        contact_id=contact_id,
        channel=channel,
        address=address,
        last_inbound_at=now,
        created_at=now,
    )
    make_transient_to_detached(identity)
    session.add(identity)
    return identity


@dataclass
class _MadeHere:
    """What this transaction created: a new identity has no conversation yet, a new contact no
    language, so the first request of a new person does not read them back."""

    transaction: SessionTransaction
    identities: set[int] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)


_MADE_HERE = "ccc.contacts.made_here"


def _made_here(session: Session) -> _MadeHere:
    root = session.get_transaction()
    assert root is not None
    made: _MadeHere | None = session.info.get(_MADE_HERE)
    if made is None or made.transaction is not root:
        made = session.info[_MADE_HERE] = _MadeHere(root)
    return made


def made_in_this_transaction(session: Session, identity: Identity) -> tuple[bool, bool]:
    """Whether this identity, and its contact, were created in the session's transaction. The
    identity's part is answered once: the asker makes its conversation, which a second asker
    must then find."""
    made: _MadeHere | None = session.info.get(_MADE_HERE)
    if made is None or made.transaction is not session.get_transaction():
        return False, False
    new_identity = identity.id in made.identities
    made.identities.discard(identity.id or 0)
    return new_identity, identity.contact_id in made.contacts


def insert_identity(
    session: Session,
    *,
    channel: str,
    address: str,
    display_name: str | None,
    now: datetime,
) -> tuple[int, int] | None:
    """A new person's identity (id, contact id), written as just heard from, with the contact
    behind the same number on another phone channel or a new one. None when a concurrent
    request created the identity first: the caller reads theirs (and the contact made here for
    nothing is taken back). No savepoint: the insert skips a conflict rather than fail."""
    contact_id = _phone_contact(session, address) if channel in PHONE_CHANNELS else None
    made = None
    if contact_id is None:
        made = contact_id = session.execute(_INSERT_CONTACT, {"created_at": now}).scalar_one()
    values: dict[str, Any] = {
        "contact_id": contact_id,
        "channel": channel,
        "address": address,
        "display_name": display_name[:200] if isinstance(display_name, str) else None,
        "last_inbound_at": now,
        "created_at": now,
    }
    row = insert_unless_present(
        session,
        IDENTITY,
        values,
        keys=("channel", "address"),
        returning=(IDENTITY.c.id, IDENTITY.c.contact_id),
    )
    if row is None:
        if made is not None:
            session.execute(delete(CONTACT).where(CONTACT.c.id == made))
        return None
    here = _made_here(session)
    here.identities.add(row.id)
    if made is not None:
        here.contacts.add(made)
    return row.id, row.contact_id


_INSERT_CONTACT = insert(CONTACT).returning(CONTACT.c.id)


def _phone_contact(session: Session, address: str) -> int | None:
    if not address.startswith("+"):
        return None
    return phone_contact(session, phone=address)


def phone_contact(session: Session, *, phone: str) -> int | None:
    """The contact who uses this number on a phone channel, or who confirmed it elsewhere
    (one statement: a person's first message asks it)."""
    found: int | None = session.execute(_PHONE_CONTACT, {"b_phone": phone}).scalar()
    return found


# Built once, run with the number as its parameter: built per call, the statement's clauses
# cost a person's first message more CPU than the round trip (bench/webhook_costs.py). The
# channels are written into it, our own names: as a bound list, SQLAlchemy rewrote the
# statement at each run (50 µs).
assert all(channel.value.isidentifier() for channel in PHONE_CHANNELS)
_PHONE_CHANNELS_SQL: list[ColumnClause[Any]] = [
    literal_column(f"'{channel}'") for channel in sorted(c.value for c in PHONE_CHANNELS)
]
_PHONE_CONTACT = select(
    func.coalesce(
        select(Identity.contact_id)
        .where(
            Identity.address == bindparam("b_phone"),
            col(Identity.channel).in_(_PHONE_CHANNELS_SQL),
        )
        .order_by(col(Identity.id))
        .limit(1)
        .scalar_subquery(),
        select(Contact.id)
        .where(Contact.verified_phone == bindparam("b_phone"))
        .order_by(col(Contact.id))
        .limit(1)
        .scalar_subquery(),
    )
)


def link_phone(session: Session, *, identity: Identity, phone: str) -> None:
    """Join an identity (a Telegram chat) to the contact behind a phone number, once the person
    confirmed the number is theirs; with no such contact yet, remember the number instead."""
    target = phone_contact(session, phone=phone)
    if target is not None and target != identity.contact_id:
        identity.contact_id = target
        session.add(identity)
        return
    contact = session.get(Contact, identity.contact_id)
    if contact is not None and target is None:
        contact.verified_phone = phone
        session.add(contact)


def identities_for_address(session: Session, *, address: str) -> list[Identity]:
    """Every identity of the contact behind an address (`+964…`, `whatsapp:+964…`, a chat id)."""
    plain = address.split(":", 1)[1] if address.lower().startswith("whatsapp:") else address
    matches = session.exec(select(Identity).where(Identity.address == plain)).all()
    if not matches:
        return []
    contact_ids = {identity.contact_id for identity in matches}
    return list(
        session.exec(select(Identity).where(col(Identity.contact_id).in_(contact_ids))).all()
    )


def voice_identity(session: Session, *, phone: str) -> Identity:
    """A caller's voice identity, made for this number if new."""
    return get_or_create_identity(session, channel=Channel.voice.value, address=phone)


def sms_identity(session: Session, *, phone: str) -> Identity:
    """Where a text to a caller goes: their SMS identity, made for this number if new."""
    existing = find_identity(session, channel=Channel.sms.value, address=phone)
    return existing or get_or_create_identity(session, channel=Channel.sms.value, address=phone)
