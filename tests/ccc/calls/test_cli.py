"""`ccc voice prompts [--missing]` and `ccc user add --phone`."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from ccc.access.models import User
from tests.ccc.test_cli import TOKEN, Cli, ccc, last_line  # noqa: F401  (the fixture)

EVERY_LANGUAGE = ("ar", "ckb", "kmr", "en")


def test_prompts_lists_every_prompt_per_language_with_its_text(ccc: Cli) -> None:  # noqa: F811
    shown = ccc("voice", "prompts")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    for language in EVERY_LANGUAGE:
        assert any(line.startswith(f"{language}/main_menu\tMISSING\t") for line in lines)
    english = next(line for line in lines if line.startswith("en/main_menu\t"))
    assert "A missing relative: press 1." in english
    spoken = next(line for line in lines if line.startswith("en/message_saved\t"))
    assert "\tspoken\t" in spoken  # holds the reference: said by the voice, never recorded


def test_missing_exits_1_until_every_recording_is_there(ccc: Cli, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / "prompts"
    ccc.env["CCC_VOICE_PROMPTS_DIR"] = str(folder)
    first = ccc("voice", "prompts", "--missing")
    assert first.returncode == 1
    for line in first.stdout.splitlines():
        if "\tMISSING\t" in line:
            language, key = line.split("\t", 1)[0].split("/")
            (folder / language).mkdir(parents=True, exist_ok=True)
            (folder / language / f"{key}.wav").write_bytes(b"RIFF")
    done = ccc("voice", "prompts", "--missing")
    assert done.returncode == 0, done.stdout
    assert "0 recording(s) missing" in done.stdout


def test_user_add_takes_the_phone_the_agent_answers_on(ccc: Cli) -> None:  # noqa: F811
    added = ccc("user", "add", "amira", "--role", "agent", "--phone", "0780 111 2233")
    assert added.returncode == 0, added.stderr
    assert TOKEN.match(last_line(added.stdout))
    with ccc.session() as session:
        user = session.exec(select(User).where(User.name == "amira")).one()
        assert user.phone == "+9647801112233"
    again = ccc("user", "add", "basim", "--role", "agent", "--phone", "+9647801112233")
    assert again.returncode == 1 and "already the phone of user 'amira'" in again.stderr
    junk = ccc("user", "add", "chiya", "--role", "agent", "--phone", "not a number")
    assert junk.returncode == 1


def test_every_kurdish_prompt_of_the_phone_is_listed_in_kurdish_to_record(ccc: Cli) -> None:  # noqa: F811
    """Twilio has no Kurdish voice: each prompt the phone says must be listed for Sorani and
    Badini with its own text (what the translator reads out), never the Arabic stand-in."""
    rows: dict[str, dict[str, str]] = {}
    for line in ccc("voice", "prompts").stdout.splitlines():
        if line.count("\t") == 2:
            name, _state, text = line.split("\t")
            language, key = name.split("/")
            rows.setdefault(language, {})[key] = text
    for language in ("ckb", "kmr"):
        assert set(rows[language]) == set(rows["en"])
        for key in ("relationship", "consent_to_share", "assistance_household", "record_tracing"):
            assert key in rows[language]
        same_as_arabic = [k for k, text in rows[language].items() if text == rows["ar"][k]]
        assert same_as_arabic == []


def test_prompts_read_through_head_end_without_a_traceback(ccc: Cli) -> None:  # noqa: F811
    """`ccc voice prompts | head -1`: the reader leaves after one line; no BrokenPipeError."""
    import subprocess

    from tests.ccc.test_cli import CCC

    shell = f"'{CCC}' voice prompts | head -1"
    shown = subprocess.run(  # noqa: S602  (our own console script, a fixed pipeline)
        ["bash", "-o", "pipefail", "-c", shell],
        env=ccc.env,
        cwd=ccc.folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert len(shown.stdout.splitlines()) == 1
    assert "Traceback" not in shown.stderr and "BrokenPipe" not in shown.stderr, shown.stderr
