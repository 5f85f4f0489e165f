"""Morphology-aware word matching for Arabic, Sorani, Badini, Kurmanji and English.

The one place that decides whether a message mentions a word. Rules' word lists and the
chatbot's menu words use it; it knows nothing of either:

    from workflows.matching import Matcher, mentions

    bribery = Matcher(["bribe", "رشوة", "بەرتیل", "bertîl"])
    bribery.matches("کارمەندەکە بەرتیلی لێ داوا کردم")      # True: بەرتیل + the suffix ـی
    bribery.found("طلبوا رشوتهم")                           # ["رشوة"]
    mentions("he was bribed", "bribe")                      # True
    mentions("المنصب شاغر", "نصب")                          # False: another word

`normalise` is the spelling-neutral form both sides are compared in.
"""

from ccc.kernel.text import normalise
from workflows.matching.matcher import LANGUAGES, Matcher, forms, mentions

__all__ = ["LANGUAGES", "Matcher", "forms", "mentions", "normalise"]
