"""`ccc contact export` and `ccc contact forget`, run as the data protection officer runs them."""

from __future__ import annotations

import json

from tests.ccc.retention.year import generate
from tests.ccc.test_cli import Cli, ccc  # noqa: F401  (the fixture)


def test_export_then_forget_a_person_by_their_number(ccc: Cli) -> None:  # noqa: F811
    assert ccc("demo").returncode == 0
    with ccc.session() as session:
        year = generate(session, year=2025, count=6, recordings_dir=None)
        session.commit()
    reference, person = next(
        (ref, p) for ref, p in year.tickets.items() if p.chat is None and ref not in year.open_refs
    )
    exported = ccc("contact", "export", person.phone)
    assert exported.returncode == 0, exported.stderr
    held = json.loads(exported.stdout)
    assert held["summary"]["language"] == "ar"
    assert "يحتفظ مركز التواصل" in held["summary"]["text"]
    [ticket] = held["people"][0]["tickets"]
    assert ticket["reference"] == reference and ticket["answers"]["name"] == person.name

    assert ccc("contact", "forget", person.phone).returncode == 2  # --reason is required
    forgotten = ccc("contact", "forget", person.phone, "--reason", "the person asked by phone")
    assert forgotten.returncode == 0, forgotten.stderr
    assert "erased 1 ticket(s) and 1 contact(s)" in forgotten.stdout
    again = ccc("contact", "export", person.phone)
    assert again.returncode == 1 and "no one is known by that address" in again.stderr
