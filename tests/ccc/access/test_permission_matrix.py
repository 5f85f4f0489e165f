"""The permission matrix: every route that acts on one ticket, called by every role, for tickets
of every sensitivity, owned by the caller's team or another, referred to it, moved away from
it, restricted to the focal team, with consent and without.

The expected answers are a table written by hand from the words of DESIGN.md and
docs/access.md (a programme team member has "referrals for their team only; accept, reject with
a reason, record the outcome"; a sensitive ticket's details are for "the owning team and
supervisors"; every write needs the right to read the details), not computed by `ccc/access`:
a change there that opens or closes a door shows up here as a cell that differs. The routes
come from the app itself, so a new per-ticket route fails until it has a column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.ccc.access.helpers import NO_CONSENT, intake, patch, refer, ticket
from tests.ccc.access.routes import served_routes
from tests.conftest import Harness
from tests.flows import open_ticket

# The tickets, by the relation that matters.
#   N  tracing's, normal, consent yes          S  tracing's, sensitive, consent yes
#   R  detention's, sensitive, referred to tracing
#   X  restricted from the start (a staff-conduct complaint)
#   Y  tracing's, made restricted by an agent afterwards (leak 1)
#   C  the person said No to sharing: normal, kept by the centre (ccc)
#   M  detention's, sensitive, then moved to tracing by a supervisor: detention has lost it
TICKETS = "NSRXYCM"

# Columns: the route each one calls (checked against the app's routes below).
COLUMNS = {
    "get": ("GET", "/api/tickets/{reference}"),
    "timeline": ("GET", "/api/tickets/{reference}/timeline"),
    "referrals": ("GET", "/api/tickets/{reference}/referrals"),
    "move": ("PATCH", "/api/tickets/{reference}"),  # to assistance, a programme team
    "refer": ("POST", "/api/tickets/{reference}/referrals"),  # to assistance
    "sensitivity": ("PATCH", "/api/tickets/{reference}"),  # N, C up to sensitive; others down
    "note": ("POST", "/api/tickets/{reference}/notes"),
    "reply": ("POST", "/api/tickets/{reference}/replies"),
}
COLUMNS_SAME_ROUTE = {
    "priority": ("PATCH", "/api/tickets/{reference}"),  # to urgent
    "assign": ("PATCH", "/api/tickets/{reference}"),  # the caller assigns themselves
}
ORDER = (
    "get",
    "answers",
    "timeline",
    "referrals",
    "move",
    "refer",
    "sensitivity",
    "note",
    "reply",
    "priority",
    "assign",
)
HIDDEN = (404, None, 404, 404, 404, 404, 404, 404, 404, 404, 404)
# What a sensitive ticket of another team gives those who see it but may not read it: its
# existence and clocks, and no write at all.
SEEN_NOT_READ = (200, False, 403, 200, 403, 403, 403, 403, 403, 403, 403)

# caller -> ticket -> expected (status, answers shown, then the statuses of ORDER[2:]).
EXPECTED: dict[str, dict[str, tuple[int | bool | None, ...]]] = {
    "agent": {
        "N": (200, True, 200, 200, 200, 201, 200, 201, 202, 200, 200),
        # Every write needs the right to read the details (issue 16, finding 4).
        "S": SEEN_NOT_READ,
        "R": SEEN_NOT_READ,
        "X": HIDDEN,
        "Y": HIDDEN,
        "C": (200, True, 200, 200, 409, 409, 200, 201, 202, 200, 200),
        "M": SEEN_NOT_READ,
    },
    "tracer": {
        "N": (200, True, 200, 200, 403, 201, 200, 201, 202, 200, 200),
        "S": (200, True, 200, 200, 403, 201, 403, 201, 202, 200, 200),
        # Holding a referral: answer it and add notes, nothing else (issue 16, finding 3).
        "R": (200, True, 200, 200, 403, 403, 403, 201, 403, 403, 403),
        "X": HIDDEN,
        "Y": HIDDEN,
        "C": HIDDEN,
        # Moved to tracing: now tracing's own, as S.
        "M": (200, True, 200, 200, 403, 201, 403, 201, 202, 200, 200),
    },
    "detainer": {
        "N": HIDDEN,
        "S": HIDDEN,
        # Detention's own, referred to tracing: the owning team keeps every write it may make.
        "R": (200, True, 200, 200, 403, 201, 403, 201, 202, 200, 200),
        "X": HIDDEN,
        "Y": HIDDEN,
        "C": HIDDEN,
        "M": HIDDEN,  # moved away: gone for detention, exactly as a ticket that never was
    },
    "focal": {
        "N": HIDDEN,
        "S": HIDDEN,
        "R": HIDDEN,
        "X": (200, True, 200, 200, 409, 409, 200, 201, 202, 200, 200),
        "Y": (200, True, 200, 200, 409, 409, 200, 201, 202, 200, 200),
        "C": HIDDEN,
        "M": HIDDEN,
    },
    "supervisor": {
        "N": (200, True, 200, 200, 200, 201, 200, 201, 202, 200, 200),
        "S": (200, True, 200, 200, 200, 201, 200, 201, 202, 200, 200),
        "R": (200, True, 200, 200, 200, 201, 200, 201, 202, 200, 200),
        "X": HIDDEN,
        "Y": HIDDEN,
        "C": (200, True, 200, 200, 409, 409, 200, 201, 202, 200, 200),
        "M": (200, True, 200, 200, 200, 201, 200, 201, 202, 200, 200),
    },
}
EXPECTED["admin"] = EXPECTED["supervisor"]
SENSITIVITY_PROBE = {
    "N": "sensitive",
    "C": "sensitive",
    "S": "normal",
    "R": "normal",
    "X": "sensitive",
    "Y": "sensitive",
    "M": "normal",
}
NAMES = {
    "agent": "alice",
    "tracer": "tina",
    "detainer": "dana",
    "focal": "fatima",
    "supervisor": "sam",
    "admin": "ada",
}


@dataclass
class World:
    ccc: Harness
    refs: dict[str, str]
    teams: dict[str, str]
    callers: dict[str, dict[str, str]]
    priorities: dict[str, str]

    @property
    def names(self) -> dict[str, str]:
        """A caller's name by their Authorization header: each assigns themselves."""
        return {h["Authorization"]: NAMES[c] for c, h in self.callers.items()}

    def undo(self, column: str, key: str, answer: dict[str, object]) -> None:
        """Puts back what an allowed write changed, so each cell starts from the same state."""
        supervisor, focal = self.callers["supervisor"], self.callers["focal"]
        reference = self.refs[key]
        keeper = focal if key in "XY" else supervisor
        if column == "priority":
            status, _ = patch(self.ccc, reference, keeper, priority=self.priorities[key])
        elif column == "assign":
            status, _ = patch(self.ccc, reference, keeper, assignee=None)
        elif column == "move":
            status, _ = patch(
                self.ccc, reference, supervisor, team=self.teams[key], override_reason="undo"
            )
        elif column == "refer":
            path = f"/api/referrals/{answer['id']}/reject"
            status = self.ccc.client.post(path, json={"reason": "undo"}, headers=supervisor)
            status = status.status_code
        elif key in "XY":
            status, _ = patch(self.ccc, reference, focal, sensitivity="restricted")
        else:
            back = "normal" if SENSITIVITY_PROBE[key] == "sensitive" else "sensitive"
            status, _ = patch(self.ccc, reference, supervisor, sensitivity=back)
        assert status == 200, (column, key)


def build_world(ccc: Harness) -> World:
    callers = {
        "agent": ccc.user("alice", "agent", ["ccc"]),
        "tracer": ccc.user("tina", "team_member", ["tracing"]),
        "detainer": ccc.user("dana", "team_member", ["detention"]),
        "focal": ccc.user("fatima", "team_member", ["accountability"]),
        "supervisor": ccc.user("sam", "supervisor"),
        "admin": ccc.user("ada", "admin"),
    }
    sup = callers["supervisor"]
    refs = {
        "N": open_ticket(ccc, "+9647700000101", "tracing"),
        "S": open_ticket(ccc, "+9647700000102", "tracing"),
        "R": open_ticket(ccc, "+9647700000103", "detention"),
        "X": open_ticket(ccc, "+9647700000104", "staff_conduct"),
        "Y": open_ticket(ccc, "+9647700000105", "tracing"),
        "C": intake(ccc, "+9647700000106", NO_CONSENT),
        "M": open_ticket(ccc, "+9647700000107", "detention"),
    }
    assert refer(ccc, refs["R"], sup, "tracing", note="for tracing")[0] == 201
    for key in "SRM":
        assert patch(ccc, refs[key], sup, sensitivity="sensitive")[0] == 200
    assert patch(ccc, refs["M"], sup, team="tracing")[0] == 200
    assert patch(ccc, refs["Y"], callers["agent"], sensitivity="restricted")[0] == 200
    teams = {"N": "tracing", "S": "tracing", "R": "detention", "C": "ccc", "M": "tracing"}
    priorities = {
        key: ticket(ccc, refs[key], callers["focal"] if key in "XY" else sup)["priority"]
        for key in TICKETS
    }
    return World(ccc, refs, teams, callers, priorities)


Probe = Callable[[World, str, dict[str, str]], tuple[int, dict[str, object]]]


def _call(
    world: World, method: str, path: str, headers: dict[str, str], **kw: object
) -> tuple[int, dict[str, object]]:
    response = world.ccc.client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
    body = response.json() if response.content else {}
    return response.status_code, body if isinstance(body, dict) else {"items": body}


PROBES: dict[str, Probe] = {
    "get": lambda w, k, h: _call(w, "GET", f"/api/tickets/{w.refs[k]}", h),
    "timeline": lambda w, k, h: _call(w, "GET", f"/api/tickets/{w.refs[k]}/timeline", h),
    "referrals": lambda w, k, h: _call(w, "GET", f"/api/tickets/{w.refs[k]}/referrals", h),
    "move": lambda w, k, h: _call(
        w, "PATCH", f"/api/tickets/{w.refs[k]}", h, json={"team": "assistance"}
    ),
    "refer": lambda w, k, h: _call(
        w, "POST", f"/api/tickets/{w.refs[k]}/referrals", h, json={"team": "assistance"}
    ),
    "sensitivity": lambda w, k, h: _call(
        w, "PATCH", f"/api/tickets/{w.refs[k]}", h, json={"sensitivity": SENSITIVITY_PROBE[k]}
    ),
    "note": lambda w, k, h: _call(
        w, "POST", f"/api/tickets/{w.refs[k]}/notes", h, json={"text": "checked"}
    ),
    "reply": lambda w, k, h: _call(
        w, "POST", f"/api/tickets/{w.refs[k]}/replies", h, json={"text": "We are on it."}
    ),
    "priority": lambda w, k, h: _call(
        w, "PATCH", f"/api/tickets/{w.refs[k]}", h, json={"priority": "urgent"}
    ),
    "assign": lambda w, k, h: _call(
        w, "PATCH", f"/api/tickets/{w.refs[k]}", h, json={"assignee": w.names[h["Authorization"]]}
    ),
}


def test_every_route_on_one_ticket_has_a_column(ccc: Harness) -> None:
    # The API's routes; the console's pages (a session, not a token) are tested in
    # tests/ccc/console through the same access functions.
    per_ticket = {
        route
        for route in served_routes(ccc.client.app)  # type: ignore[arg-type]
        if "{reference}" in route[1] and not route[1].startswith("/console")
    }
    # Break-glass changes who may see a ticket: tested in tests/ccc/access/test_break_glass.py.
    assert per_ticket - {("POST", "/api/tickets/{reference}/access")} == set(
        COLUMNS.values()
    ) | set(COLUMNS_SAME_ROUTE.values())


def test_the_permission_matrix(ccc: Harness) -> None:
    world = build_world(ccc)
    found: dict[str, dict[str, tuple[int | bool | None, ...]]] = {}
    for caller, headers in world.callers.items():
        found[caller] = {}
        for key in TICKETS:
            cells: list[int | bool | None] = []
            for column in ORDER:
                if column == "answers":
                    status, body = PROBES["get"](world, key, headers)
                    cells.append(bool(body.get("answers")) if status == 200 else None)
                    continue
                status, body = PROBES[column](world, key, headers)
                cells.append(status)
                if status in (200, 201) and column in (
                    "move",
                    "refer",
                    "sensitivity",
                    "priority",
                    "assign",
                ):
                    world.undo(column, key, body)
            found[caller][key] = tuple(cells)
    differences = [
        f"{caller} on {key}: {column} expected {want} got {got}"
        for caller, row in EXPECTED.items()
        for key, expected in row.items()
        for column, want, got in zip(ORDER, expected, found[caller][key], strict=True)
        if want != got
    ]
    assert differences == []
