"""Words at the main menu in the four languages (issue 17): a word that names one choice
starts it, as its number would, and is never counted as a misunderstanding. The table holds
the walk's words (`مفقود`, `missing`, `ابني`, `کوڕم`, `help`) and the forms people write."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from tests.conftest import Harness
from tests.flows import to_main_menu

STEP = {
    "1": "tracing_privacy",
    "2": "detention_privacy",
    "3": "assistance_privacy",
    "4": "complaint_privacy",
    "5": "status_reference",
    "0": "callback_confirm",
}
# (language, what the person writes at the main menu, the choice it names)
WORDS = [
    ("ar", "مفقود", "1"),
    ("ar", "ضايع", "1"),
    ("ar", "ابني", "1"),
    ("ar", "بابني", "1"),
    ("ar", "ابنتي", "1"),
    ("ar", "أخي مفقود", "1"),
    ("ar", "معتقل", "2"),
    ("ar", "موقوف", "2"),
    ("ar", "مساعدة", "3"),
    ("ar", "شكوى", "4"),
    ("ar", "حالة طلبي", "5"),
    ("ar", "موظف", "0"),
    ("ckb", "کوڕم", "1"),
    ("ckb", "کوڕەکەم", "1"),
    ("ckb", "کچەکەم", "1"),
    ("ckb", "ون بووە", "1"),
    ("ckb", "بزر بووە", "1"),
    ("ckb", "زیندان", "2"),
    ("ckb", "گیراوە", "2"),
    ("ckb", "یارمەتی", "3"),
    ("ckb", "سکاڵا", "4"),
    ("ckb", "بەدواداچوون", "5"),
    ("ckb", "کارمەند", "0"),
    ("kmr", "windabûye", "1"),
    ("kmr", "kurê min", "1"),
    ("kmr", "berze", "1"),
    ("kmr", "بەرزەبوو", "1"),
    ("kmr", "girtî", "2"),
    ("kmr", "alîkarî", "3"),
    ("kmr", "ئالیکاری", "3"),
    ("kmr", "gilî", "4"),
    ("kmr", "karmend", "0"),
    ("en", "missing", "1"),
    ("en", "Missing!", "1"),
    ("en", "my son", "1"),
    ("en", "lost", "1"),
    ("en", "help", "3"),
    ("en", "HELP", "3"),
    ("en", "detained", "2"),
    ("en", "complaint", "4"),
    ("en", "status", "5"),
    ("en", "agent", "0"),
]


def conversation_of(ccc: Harness, sender: str) -> Conversation:
    with ccc.session() as session:
        return session.exec(
            select(Conversation)
            .join(Identity, Identity.id == Conversation.identity_id)  # type: ignore[arg-type]
            .where(Identity.address == sender)
        ).one()


@pytest.mark.parametrize(("language", "text", "key"), WORDS, ids=[w[1] for w in WORDS])
def test_a_word_at_the_main_menu_starts_the_choice_it_names(
    ccc: Harness, language: str, text: str, key: str
) -> None:
    sender = f"+9647702{WORDS.index((language, text, key)):06d}"
    to_main_menu(ccc, sender, language)
    assert conversation_of(ccc, sender).step == "main_menu"

    ccc.say(sender, text)

    conversation = conversation_of(ccc, sender)
    assert conversation.step == STEP[key]
    assert conversation.invalid_inputs == 0
