"""`ccc retention run [--dry-run] [--now ISO-DATE]` and `ccc ticket hold REFERENCE`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from ccc.api.wiring import configure_workflows
from ccc.cli_common import admin_caller as _admin_caller
from ccc.cli_common import migrated_engine as _engine
from ccc.kernel.db import session_scope
from ccc.kernel.errors import Invalid, NotFound
from ccc.kernel.settings import get_settings
from ccc.retention import holds, policy
from ccc.retention.tasks import plan, run
from ccc.tickets.models import Ticket
from ccc.tickets.references import compact


def add_commands(commands: Any) -> None:
    retention = commands.add_parser(
        "retention", help="remove personal data past its period (retention.yaml)"
    ).add_subparsers(metavar="ACTION")
    run = retention.add_parser("run", help="anonymise what is past its period; print counts")
    run.add_argument("--dry-run", action="store_true", help="only count, change nothing")
    run.add_argument("--now", metavar="ISO-DATE", help="run as of this date (UTC)")
    run.set_defaults(run=_run)
    ticket = commands.add_parser("ticket", help="one ticket").add_subparsers(metavar="ACTION")
    hold = ticket.add_parser("hold", help="keep a ticket from retention and erasure")
    hold.add_argument("reference")
    action = hold.add_mutually_exclusive_group(required=True)
    action.add_argument("--reason", help="who asked for the hold, and why")
    action.add_argument("--release", action="store_true", help="end the ticket's hold")
    hold.set_defaults(run=_hold)


def parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            f"--now must be an ISO date (2028-01-31 or 2028-01-31T02:00), not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    engine = _engine()
    _use_workflows()
    rules = policy.current()
    if args.dry_run:
        counts = plan(engine, policy=rules, now=now)
        print(f"retention as of {now.isoformat()}: dry run, nothing changed; would anonymise")
    else:
        folder = get_settings().voice_recordings_dir
        counts, _ = run(
            engine, policy=rules, now=now, caller=_admin_caller(), recordings_dir=folder
        )
        print(f"retention as of {now.isoformat()}: anonymised")
    for kind, count in counts.items():
        print(f"{kind}\t{count}")
    return 0


def _use_workflows() -> None:
    """The workflows folder in force (CCC_WORKFLOWS_DIR), through the composition root."""
    configure_workflows()


def _hold(args: argparse.Namespace) -> int:
    from sqlmodel import select

    reference = compact(args.reference)
    with session_scope(_engine()) as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).first()
        if ticket is None:
            raise NotFound(f"no ticket {args.reference}")
        if args.release:
            holds.release(session, ticket=ticket, caller=_admin_caller())
            print(f"ticket {reference}: hold released")
        else:
            holds.hold(session, ticket=ticket, reason=args.reason, caller=_admin_caller())
            print(f"ticket {reference}: on hold")
    return 0
