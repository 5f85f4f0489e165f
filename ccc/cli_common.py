"""What every `ccc` command shares: its actor in the audit log and a migrated database.

Apart from `ccc/cli.py`, so that the command groups of other packages (retention, privacy, the
year report) can use them without importing the parser that imports them.
"""

from __future__ import annotations

from sqlalchemy import Engine

from ccc.access.policy import Caller
from ccc.kernel.db import make_engine
from ccc.kernel.settings import get_settings


def admin_caller() -> Caller:
    """The command line's actor in the audit log: the operating system's user."""
    import getpass

    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "unknown"
    return Caller(user_id=None, name=f"cli:{name}"[:120], role="admin")


def migrated_engine() -> Engine:
    from ccc.kernel.migrate import upgrade  # why: alembic loads only for commands that migrate

    settings = get_settings()
    upgrade(settings.database_url)
    return make_engine(settings.database_url)
