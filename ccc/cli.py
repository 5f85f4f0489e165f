"""The `ccc` command: serve, migrate, worker, users, teams, workflow checks, demo data.

Over 400 lines because it is the one place an operator's commands are read: each command is a
short function beside its parser group, and reading them together shows what the command line
can do to a deployment (the engine's own commands live in `workflows/cli.py`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

from pydantic import ValidationError

from ccc.access import audit, exposure
from ccc.access.auth import create_user, deactivate_user, find_user, issue_token, revoke_access
from ccc.access.service import create_team, set_user_phone
from ccc.api.wiring import bootstrap, cli_commands, runtime_for
from ccc.calls.rotation import add_commands as add_recordings_commands
from ccc.cli_common import admin_caller as _admin_caller
from ccc.cli_common import migrated_engine as _engine
from ccc.kernel import ports
from ccc.kernel.db import session_scope
from ccc.kernel.errors import CCCError, Invalid
from ccc.kernel.logging import configure_logging
from ccc.kernel.settings import get_settings
from ccc.privacy.cli import add_commands as add_privacy_commands
from ccc.reports.year import add_commands as add_report_commands
from ccc.retention.cli import add_commands as add_retention_commands

log = logging.getLogger("ccc")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["chat"]:
        # Intermixed, so `--url` may come before, between or after the messages; argparse
        # cannot intermix under subcommands, hence a parser of its own.
        args = _chat_arguments(argparse.ArgumentParser(prog="ccc chat")).parse_intermixed_args(
            argv[1:]
        )
    else:
        args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    configure_logging()
    try:
        get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            print(
                f"ccc: invalid setting: {error['msg'].removeprefix('Value error, ')}",
                file=sys.stderr,
            )
        return 2
    try:
        result: int = args.run(args)
        sys.stdout.flush()
    except CCCError as exc:
        print(f"ccc: {exc.detail}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return _reader_left()
    return result


def _reader_left() -> int:
    """`ccc chat ... | head` or `ccc voice prompts | head`: the reader stopped reading, which is
    no error. Python's own recipe: point stdout at /dev/null so the flush at exit cannot raise
    again, and end as a command killed by SIGPIPE would (128 + 13)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccc", description=__doc__)
    commands = parser.add_subparsers(metavar="COMMAND")
    _server_commands(commands)
    _user_commands(commands)
    _team_and_workflow_commands(commands)
    # The engine's commands (`ccc workflows check`, `ccc voice prompts`) belong to `workflows/`;
    # the composition root hands them over.
    cli_commands(commands)
    add_retention_commands(commands)
    add_privacy_commands(commands)
    add_report_commands(commands)
    add_recordings_commands(commands)
    _demo_and_chat_commands(commands)
    return parser


def _server_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="migrate, then serve the API and webhooks")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--processes", type=int, default=1, metavar="N", help="N web processes on the one port"
    )
    serve.set_defaults(run=_serve)
    commands.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(
        run=_migrate
    )
    worker = commands.add_parser("worker", help="run an RQ worker with the periodic jobs")
    worker.add_argument(
        "--processes", type=int, default=0, metavar="N", help="N worker processes, supervised"
    )
    worker.set_defaults(run=_worker)


def _user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="manage users").add_subparsers(metavar="ACTION")
    add_user = user.add_parser("add", help="create a user and print their API token")
    add_user.add_argument("name")
    add_user.add_argument(
        "--role", required=True, choices=["agent", "team_member", "supervisor", "admin"]
    )
    add_user.add_argument("--team", action="append", default=[], metavar="SLUG")
    add_user.add_argument("--phone", metavar="E164", help="the phone they take calls on")
    add_user.add_argument("--language", choices=["ar", "ckb", "kmr", "en"])
    add_user.add_argument(
        "--calendar", metavar="NAME", help="their own shifts: a calendar of calendars.yaml"
    )
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read a console password from stdin"
    )
    add_user.set_defaults(run=_user_add)
    for action, help_text, run in (
        ("revoke", "end the user's API tokens and console sessions at once", _user_revoke),
        ("deactivate", "revoke everything and stop the user signing in again", _user_deactivate),
        ("token", "issue a new API token (printed as the last line)", _user_token),
    ):
        parser_ = user.add_parser(action, help=help_text)
        parser_.add_argument("name")
        parser_.set_defaults(run=run)
    shifts = user.add_parser(
        "calendar", help="set the calendar of the user's shifts (none: the team's calendar)"
    )
    shifts.add_argument("name")
    shifts.add_argument("calendar", help="a calendar of calendars.yaml, or 'none'")
    shifts.set_defaults(run=_user_calendar)
    password = user.add_parser("password", help="set a console password, read from stdin")
    password.add_argument("name")
    password.set_defaults(run=_user_password)


def _team_and_workflow_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    team = commands.add_parser("team", help="manage teams").add_subparsers(metavar="ACTION")
    add_team = team.add_parser("add", help="create a team")
    add_team.add_argument("slug")
    add_team.add_argument("--name", required=True)
    add_team.set_defaults(run=_team_add)


def _demo_and_chat_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="load demo teams and users (idempotent)")
    demo.add_argument("--force", action="store_true", help="also on a database that is not SQLite")
    demo.set_defaults(run=_demo)
    _chat_arguments(commands.add_parser("chat", help="talk to a running CCC's simulator as PHONE"))


def _chat_arguments(chat: argparse.ArgumentParser) -> argparse.ArgumentParser:
    chat.add_argument("phone")
    chat.add_argument("messages", nargs="*", help="send these (default: lines of standard input)")
    chat.add_argument("--url", default="http://127.0.0.1:8000")
    chat.set_defaults(run=_chat)
    return chat


def _migrate(_args: argparse.Namespace) -> int:
    from ccc.kernel.migrate import upgrade  # why: alembic loads only for the commands that migrate

    upgrade(get_settings().database_url)
    print("database is at the latest schema")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # why: alembic loads only for the commands that migrate (`ccc --help` and the user commands
    # need it not); looked up at the call, the serve test stands it in.
    from ccc.kernel.migrate import upgrade

    exposure.check_simulator(get_settings())
    upgrade(get_settings().database_url)
    # Forwarded headers are read by CCC itself, only from CCC_TRUSTED_PROXIES (uvicorn's own
    # handling would believe any local client): ccc/kernel/addresses.py.
    # HTTP is parsed by httptools and the event loop is uvloop's, both dependencies of CCC that
    # uvicorn picks by itself when installed (`http="auto"`, `loop="auto"`); without them it
    # falls back to h11 and asyncio, which cost each webhook more CPU (docs/performance.md).
    uvicorn.run(
        "ccc.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=False,
        # Each process answers webhooks on its own core; state they share lives in the database
        # and Redis (the outbox, the live events, the webhook counts).
        workers=max(1, args.processes),
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    """One worker process; or N of them under a supervisor. A lone worker that ends to be
    replaced (CCC_WORKER_MAX_JOBS/_MEMORY_MB) starts itself again in the same process id."""
    # why: RQ (and the worker's job modules) load only for `ccc worker`, not for every command.
    from ccc.jobs.supervisor import SUPERVISED, child_command, supervise
    from ccc.jobs.worker import RECYCLE

    settings = get_settings()
    if args.processes >= 1:
        return supervise(args.processes, grace_seconds=settings.job_timeout_seconds + 30)
    from ccc.jobs.worker import run_worker  # why: RQ loads only for `ccc worker`

    status = run_worker(runtime_for(settings))
    if status == RECYCLE and not os.environ.get(SUPERVISED):
        command = child_command()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)  # noqa: S606
    return status


def _read_password() -> str:
    """The first line of standard input (a pipe, a file, or typed without echo)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("console password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _user_add(args: argparse.Namespace) -> int:
    # why: argon2 and pyotp (the console's passwords) load only for the commands that set one.
    from ccc.console import auth as console_auth

    secret = _read_password() if args.password_stdin else None
    with session_scope(_engine()) as session:
        user, token = create_user(
            session, name=args.name, role=args.role, team_slugs=list(dict.fromkeys(args.team))
        )
        if args.phone:
            set_user_phone(
                session, user=user, phone=args.phone, region=get_settings().default_region
            )
        if args.language:
            console_auth.set_language(session, user=user, language=args.language)
        if args.calendar:
            user.calendar = _known_calendar(args.calendar)
        if secret is not None:
            user.password_hash = console_auth.hash_password(secret)

        audit.record(
            session,
            caller=_admin_caller(),
            action=audit.Action.token_issued,
            user=user.name,
            role=user.role,
            new_user=True,
        )
    print(f"created {user.role} {user.name}")
    print(token)
    return 0


def _user_calendar(args: argparse.Namespace) -> int:
    calendar = None if args.calendar == "none" else _known_calendar(args.calendar)
    with session_scope(_engine()) as session:
        user = find_user(session, name=args.name)
        user.calendar = calendar
        session.add(user)
    hours = f"the hours of calendar {calendar}" if calendar else "the team's calendar"
    print(f"{user.name} now works {hours}")
    return 0


def _known_calendar(name: str) -> str:
    """A calendar of the workflow files in force, or a clear error naming those that exist."""
    bootstrap()
    known = ports.engine().calendar_names()
    if name not in known:
        raise Invalid(f"unknown calendar {name!r}; the calendars are {', '.join(sorted(known))}")
    return name


def _user_revoke(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        user = find_user(session, name=args.name)
        ended = revoke_access(session, user=user, by=_admin_caller())
        audit.record(
            session,
            caller=_admin_caller(),
            action=audit.Action.token_revoked,
            user=user.name,
            ended=ended,
        )
    print(f"revoked {ended} token(s) and session(s) of {user.name}")
    return 0


def _user_deactivate(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        user = find_user(session, name=args.name)
        ended = deactivate_user(session, user=user, by=_admin_caller())
        audit.record(
            session, caller=_admin_caller(), action=audit.Action.user_deactivated, user=user.name
        )
    print(f"deactivated {user.name}; ended {ended} token(s) and session(s)")
    return 0


def _user_token(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        user = find_user(session, name=args.name)
        if not user.active:
            print(f"ccc: {user.name} is deactivated", file=sys.stderr)
            return 1
        token = issue_token(session, user=user)
        audit.record(
            session, caller=_admin_caller(), action=audit.Action.token_issued, user=user.name
        )
    print(f"new token for {user.name}, valid {get_settings().token_days:g} days")
    print(token)
    return 0


def _user_password(args: argparse.Namespace) -> int:
    from ccc.console import auth as console_auth  # why: argon2 loads only for these commands

    secret = _read_password()
    with session_scope(_engine()) as session:
        console_auth.set_password(session, name=args.name, password=secret, by=_admin_caller())
    print(f"console password of {args.name} changed; their console sessions are ended")
    return 0


def _team_add(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        team = create_team(session, slug=args.slug, name=args.name)
    print(f"created team {team.slug}: {team.name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ccc.demo import keep_secrets, load_demo, read_secrets  # why: the console's argon2

    settings = get_settings()
    sqlite = settings.database_url.startswith("sqlite")
    if not sqlite and not args.force:
        print(
            "ccc: refusing to load demo users with known tokens into a database that is not "
            "SQLite (a real deployment?); give --force if this really is a demo",
            file=sys.stderr,
        )
        return 1
    # Files of clear demo secrets only beside a local SQLite demo database.
    tokens, passwords = read_secrets() if sqlite else ({}, {})
    with session_scope(_engine()) as session:
        logins = load_demo(
            session,
            known_tokens=tokens,
            known_passwords=passwords,
            token_days=settings.token_days,
        )
    if sqlite:
        keep_secrets(logins)
    print("\n".join(logins.lines))
    return 0


def _chat(args: argparse.Namespace) -> int:
    """Talks to a running CCC through its simulator endpoints and prints the replies as
    text, so Arabic and Kurdish read as they would on a phone (not as JSON escapes)."""
    import httpx

    # httpx logs each request with its query string, which holds the phone number.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    lines = args.messages or (line.rstrip("\n") for line in sys.stdin)
    try:
        with httpx.Client(base_url=args.url, timeout=15) as client:
            seen = len(_transcript(client, args.phone))
            for text in lines:
                if not text.strip():
                    continue
                sent = client.post(
                    "/api/simulator/messages", json={"from": args.phone, "text": text}
                )
                sent.raise_for_status()
                seen = _print_replies(client, args.phone, seen)
    except httpx.HTTPStatusError as exc:
        off = exc.response.status_code == 404
        print(f"ccc: {'the simulator is off (CCC_SIMULATOR=on)' if off else exc}", file=sys.stderr)
        return 1
    except httpx.TransportError:
        print(f"ccc: nothing answers at {args.url} (is `make run` running?)", file=sys.stderr)
        return 1
    return 0


def _transcript(client: Any, phone: str) -> list[dict[str, Any]]:
    response = client.get("/api/simulator/messages", params={"address": phone})
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()
    return messages


def _print_replies(client: Any, phone: str, seen: int) -> int:
    """Waits (up to 10 s, for a server whose jobs run in a worker) for the replies to one
    message, prints each followed by a blank line, and returns how many messages there are."""
    deadline = time.monotonic() + 10
    messages = _transcript(client, phone)
    while not any(m["direction"] == "out" for m in messages[seen:]) and time.monotonic() < deadline:
        time.sleep(0.3)
        messages = _transcript(client, phone)
    for message in messages[seen:]:
        if message["direction"] == "out":
            print(f"{message['text']}\n", flush=True)
    return len(messages)


if __name__ == "__main__":
    sys.exit(main())
