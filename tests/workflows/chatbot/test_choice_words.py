"""`words:` name a choice at every choice question, not only the main menu (found on a signed
walk: «أخي», "my brother", was "not understood" at the relation question). Written by SMS
through the signed webhook at each question of the default flow, in the four languages, with
the grammar people wrap the words in; a message naming two choices picks neither, and consent
is never guessed from a message that also says no."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.kernel.settings import Settings
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson
from workflows.files.library import PACKAGE_DIR, check_paths, current
from workflows.files.yamlfile import Problem

# (question, language, what the person writes, the answer kept; None: asked again)
TABLE = [
    ("tracing_relationship", "ar", "أخي", "sibling"),
    ("tracing_relationship", "ar", "اخوي", "sibling"),
    ("tracing_relationship", "ar", "هو أخي الكبير", "sibling"),
    ("tracing_relationship", "ar", "ابني", "child"),
    ("tracing_relationship", "ar", "زوجتي", "spouse"),
    ("tracing_relationship", "ar", "أمي", "parent"),
    ("tracing_relationship", "ar", "جاري", "not_related"),
    ("tracing_relationship", "ar", "ابن عمي", None),  # a son, and an uncle: which?
    ("detention_relationship", "ckb", "کوڕەکەم", "child"),
    ("detention_relationship", "ckb", "براکەم", "sibling"),
    ("detention_relationship", "kmr", "birayê min", "sibling"),
    ("detention_relationship", "kmr", "کورێ من", "child"),
    ("detention_relationship", "en", "my brother", "sibling"),
    ("detention_relationship", "en", "My wife.", "spouse"),
    ("detention_relationship", "en", "my cousin", "other_relative"),
    ("assistance_governorate", "ar", "بالبصرة", "basra"),
    ("assistance_governorate", "ar", "الموصل", "ninawa"),
    ("assistance_governorate", "ar", "اسكن في بغداد", "baghdad"),
    ("assistance_governorate", "ar", "الناصرية", "dhi_qar"),
    ("assistance_governorate", "ckb", "لە هەولێر", "erbil"),
    ("assistance_governorate", "ckb", "سلێمانی", "sulaymaniyah"),
    ("assistance_governorate", "kmr", "Hewlêr", "erbil"),
    ("assistance_governorate", "kmr", "دهوک", "duhok"),
    ("assistance_governorate", "en", "I live in Mosul", "ninawa"),
    ("assistance_governorate", "ar", "من الموصل ساكن بأربيل", None),  # two governorates
    ("tracing_consent", "ar", "نعم أوافق", "yes"),
    ("tracing_consent", "ar", "لا شكرا", "no"),
    ("tracing_consent", "ar", "مو موافق", None),  # "not agreeing": never taken as yes
    ("detention_consent", "ckb", "بەڵێ ڕازیم", "yes"),
    ("detention_consent", "kmr", "ez ne razî me", None),
    ("assistance_consent", "en", "yes please", "yes"),
    ("assistance_consent", "en", "I dont agree", None),
    ("complaint_callback", "en", "ok you can", "yes"),
    ("assistance_need", "ar", "نقد", "cash"),
    ("assistance_need", "ar", "أحتاج فلوس", "cash"),
    ("assistance_need", "ar", "العلاج الطبيعي", "rehabilitation"),
    ("assistance_need", "ar", "الماء", "water_shelter"),
    ("assistance_need", "ar", "طعام", None),  # food: none of the choices, so not guessed
    ("assistance_need", "ckb", "پارەم پێویستە", "cash"),
    ("assistance_need", "ckb", "دەرمان", "health"),
    ("assistance_need", "kmr", "pere", "cash"),
    ("assistance_need", "kmr", "ئاڤ", "water_shelter"),
    ("assistance_need", "en", "cash", "cash"),
    ("assistance_need", "en", "a wheelchair for my son", "rehabilitation"),
    ("assistance_need", "en", "food", None),
    ("assistance_need", "en", "cash and a doctor", None),  # two kinds of help: which?
    ("complaint_about", "ar", "الموظف طلب رشوة", "staff_conduct"),
    ("complaint_about", "ar", "ما اختاروني", "selection_criteria"),
    ("complaint_about", "ckb", "کارمەندەکە", "staff_conduct"),
    ("complaint_about", "kmr", "xizmet", "service_quality"),
    ("complaint_about", "en", "I was not selected", "selection_criteria"),
    ("complaint_about", "en", "I have a suggestion", "feedback"),
    ("complaint_about", "en", "rude staff and bad service", None),
]
# (question, language, what the person writes, the step it leads to)
STEPS = [
    ("tracing_privacy", "ar", "نعم", "tracing_enquirer"),
    ("detention_privacy", "en", "continue", "detention_enquirer"),
    ("assistance_privacy", "ckb", "نەخێر", "main_menu"),
    ("callback_confirm", "ar", "نعم اتصلوا", None),  # the callback request: out of the flow
]


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Settings:
    """Real credentials, aimed at the local fakes: webhooks are signed, replies sent."""
    return channel_settings(database_url, fake_twilio, fake_telegram)


def at(ccc: Harness, sms: TwilioPerson, step: str, language: str) -> None:
    """The person has written before, and now stands at `step` in `language`."""
    sms.say("hello")
    with ccc.session() as session:
        conversation = session.exec(
            select(Conversation)
            .join(Identity, col(Identity.id) == col(Conversation.identity_id))
            .where(Identity.channel == "sms")
        ).one()
        conversation.step = step
        conversation.language = language
        conversation.invalid_inputs = 0
        conversation.answers = {"enquirer_name": "Layla"}
        session.add(conversation)
        session.commit()


def conversation(ccc: Harness) -> Conversation:
    with ccc.session() as session:
        [found] = session.exec(select(Conversation)).all()
        session.expunge(found)
        return found


@pytest.mark.parametrize(("step", "language", "written", "kept"), TABLE)
def test_words_name_the_choice_at_every_question(
    ccc: Harness, sms: TwilioPerson, step: str, language: str, written: str, kept: str | None
) -> None:
    at(ccc, sms, step, language)
    sms.say(written)
    after = conversation(ccc)
    key = current().flow.steps[step].save
    assert key is not None
    if kept is None:
        assert after.step == step and key not in after.answers
        assert after.invalid_inputs == 1
        assert "\n1 " in sms.received()[-1], "asked again, with the numbered options"
        return
    assert after.step != step
    if after.step is None:  # consent was the last question: the ticket holds the answer
        with ccc.session() as session:
            [ticket] = session.exec(select(Ticket)).all()
            assert ticket.answers[key] == kept
    else:
        assert after.answers[key] == kept


@pytest.mark.parametrize(("step", "language", "written", "goes_to"), STEPS)
def test_words_answer_the_yes_or_no_questions_that_save_nothing(
    ccc: Harness, sms: TwilioPerson, step: str, language: str, written: str, goes_to: str | None
) -> None:
    at(ccc, sms, step, language)
    sms.say(written)
    assert conversation(ccc).step == goes_to


def _line(path: Path, text: str) -> int:
    [line] = [n for n, row in enumerate(path.read_text().splitlines(), 1) if text in row]
    return line


@pytest.fixture
def flow_copy(tmp_path: Path) -> Path:
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, tmp_path / part)
    return tmp_path / "flows" / "default.yaml"


def checked_with(flow_copy: Path, replace: str, with_: str) -> list[Problem]:
    """What `ccc workflows check` says of the flow with its one `replace` written `with_`."""
    text = flow_copy.read_text()
    assert text.count(replace) == 1, replace
    flow_copy.write_text(text.replace(replace, with_))
    return check_paths([flow_copy])


@pytest.mark.parametrize(
    ("replace", "with_", "where", "says"),
    [
        # a word another choice's word also matches: «ابني» (a son) is «اب» + «ني»
        ("ar: [أبي, أبوي,", "ar: [اب, أبي, أبوي,", "ar: [ابن, ابنة", "«اب» of choice '3'"),
        # a number, which would answer where no numbered list was shown
        ("en: [Baghdad]", "en: [Baghdad, '1']", "en: [Baghdad, '1']", "is a number"),
        ("kmr: [bira, xwişk,", "kmr: [bira, '!!',", "kmr: [bira, '!!'", "no letters to match"),
        ("en: [brother, sister, sibling]", "en: [brother, 7, sibling]", "en: [brother, 7", "7"),
    ],
)
def test_a_bad_word_is_reported_at_its_own_line(
    flow_copy: Path, replace: str, with_: str, where: str, says: str
) -> None:
    problems = checked_with(flow_copy, replace, with_)
    assert problems, "the bad word was not reported"
    assert {(p.path, p.line) for p in problems} == {(str(flow_copy), _line(flow_copy, where))}
    assert all(says in p.message for p in problems), [p.message for p in problems]


def test_a_word_on_a_line_of_its_own_is_reported_there(flow_copy: Path) -> None:
    text = flow_copy.read_text()
    old = "          en: [relative, cousin, uncle, aunt, nephew, niece, grandson, granddaughter,"
    assert text.count(old) == 1
    flow_copy.write_text(
        text.replace(
            old, "          en: [relative, cousin, uncle, aunt, nephew, niece, grandson,"
        ).replace("               grandfather, grandmother]", "               '', grandmother]")
    )
    problems = check_paths([flow_copy])
    # reported for both relation questions, which share the choices (a YAML anchor)
    assert {(p.line, "is not a word" in p.message) for p in problems} == {
        (_line(flow_copy, "'', grandmother]"), True)
    }


@pytest.mark.parametrize(
    ("replace", "with_", "first", "second", "word"),
    [
        # «نقد» (cash) written under a livelihood as well: it names both, so neither
        ("ar: [رزق, مشروع,", "ar: [رزق, نقد, مشروع,", "ar: [نقد, نقدي", "ar: [رزق, نقد", "نقد"),
        (
            "en: [service, quality]",
            "en: [service, quality, staff]",
            "en: [staff,",
            "quality, staff]",
            "staff",
        ),
    ],
)
def test_a_word_under_two_options_of_the_new_questions_is_refused_at_both(
    flow_copy: Path, replace: str, with_: str, first: str, second: str, word: str
) -> None:
    problems = checked_with(flow_copy, replace, with_)
    assert {(p.path, p.line) for p in problems} == {
        (str(flow_copy), _line(flow_copy, first)),
        (str(flow_copy), _line(flow_copy, second)),
    }, [p.message for p in problems]
    assert all(f"«{word}»" in p.message and "one choice only" in p.message for p in problems)
