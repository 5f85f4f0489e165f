"""`ccc contact export ADDRESS` and `ccc contact forget ADDRESS --reason TEXT`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ccc.cli_common import admin_caller as _admin_caller
from ccc.cli_common import migrated_engine as _engine
from ccc.kernel.db import session_scope
from ccc.kernel.settings import get_settings
from ccc.kernel.timeutil import utcnow
from ccc.privacy import service
from ccc.retention.tasks import delete_files


def add_commands(commands: Any) -> None:
    contact = commands.add_parser("contact", help="a person's own data").add_subparsers(
        metavar="ACTION"
    )
    export = contact.add_parser("export", help="everything held about a person, as JSON")
    export.add_argument("address", help="a phone number, whatsapp:+… or a Telegram chat id")
    export.set_defaults(run=_export)
    forget = contact.add_parser("forget", help="erase a person now (tickets on hold excepted)")
    forget.add_argument("address")
    forget.add_argument("--reason", required=True, help="who asked for the erasure, and why")
    forget.set_defaults(run=_forget)


def _export(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        people = service.find_person(
            session, address=args.address, region=get_settings().default_region
        )
        held = service.export(
            session,
            contacts=people,
            caller=_admin_caller(),
            keys=get_settings().recordings_key,
        )
    json.dump(held, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    print()
    return 0


def _forget(args: argparse.Namespace) -> int:
    settings = get_settings()
    with session_scope(_engine()) as session:
        people = service.find_person(session, address=args.address, region=settings.default_region)
        counts, files = service.forget(
            session, contacts=people, reason=args.reason, caller=_admin_caller(), now=utcnow()
        )
    delete_files(settings.voice_recordings_dir, files)
    print(
        f"erased {counts['tickets']} ticket(s) and {counts['contacts']} contact(s); "
        f"kept {counts['held']} ticket(s) on hold"
    )
    return 0
