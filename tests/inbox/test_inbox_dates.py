"""Return dates in out-of-office texts, in seven languages, relative to the message date."""

from __future__ import annotations

from datetime import date

import pytest

from outboard.inbox.dates import find_return_date

MON_9_MAR = date(2026, 3, 9)

CASES = [
    # The examples the issue names.
    ("I'll be back on Monday 3 March.", date(2026, 2, 25), date(2026, 3, 3)),
    ("I am away until 14.03.2026.", MON_9_MAR, date(2026, 3, 15)),
    ("Je serai de retour le 3 mars.", date(2026, 2, 23), date(2026, 3, 3)),
    ("Estoy de vacaciones hasta el 5 de abril.", MON_9_MAR, date(2026, 4, 6)),
    ("Ich bin ab dem 10.11. wieder im Büro.", date(2025, 10, 27), date(2025, 11, 10)),
    # English forms.
    ("Back on March 16th.", MON_9_MAR, date(2026, 3, 16)),
    ("Returning 16 March 2026.", MON_9_MAR, date(2026, 3, 16)),
    ("I will return on 2026-03-20.", MON_9_MAR, date(2026, 3, 20)),
    ("Out until Friday, March 13.", MON_9_MAR, date(2026, 3, 14)),
    ("Out from 9 March to 13 March.", MON_9_MAR, date(2026, 3, 14)),
    ("Away 9 March – 13 March.", MON_9_MAR, date(2026, 3, 14)),
    ("I'm back on Thursday.", MON_9_MAR, date(2026, 3, 12)),
    ("I'll be back next week.", MON_9_MAR, date(2026, 3, 16)),
    ("I'm back tomorrow.", MON_9_MAR, date(2026, 3, 10)),
    ("Returning on 4/14.", date(2026, 4, 6), date(2026, 4, 14)),
    ("Returning on 14/4.", date(2026, 4, 6), date(2026, 4, 14)),
    ("I am on parental leave until September 2026.", MON_9_MAR, date(2026, 10, 1)),
    ("Back in September.", MON_9_MAR, date(2026, 9, 1)),
    # German.
    ("Ich bin bis einschließlich 13.03. nicht im Büro.", MON_9_MAR, date(2026, 3, 14)),
    ("Ab Montag, den 16. März 2026 bin ich wieder erreichbar.", MON_9_MAR, date(2026, 3, 16)),
    ("Vom 9. bis 13. März bin ich im Urlaub.", MON_9_MAR, date(2026, 3, 14)),
    ("Ich bin am Mittwoch zurück.", MON_9_MAR, date(2026, 3, 11)),
    # French.
    ("Je suis absente du 9 au 13 mars inclus.", MON_9_MAR, date(2026, 3, 14)),
    ("Je serai absent jusqu'au 20 mars.", MON_9_MAR, date(2026, 3, 21)),
    ("De retour lundi 16 mars.", MON_9_MAR, date(2026, 3, 16)),
    ("Je rentre le 1er avril.", MON_9_MAR, date(2026, 4, 1)),
    # Spanish.
    ("Regresaré el lunes 13 de abril de 2026.", MON_9_MAR, date(2026, 4, 13)),
    ("Estaré fuera del 9 al 13 de marzo.", MON_9_MAR, date(2026, 3, 14)),
    # Italian.
    ("Sarò in ferie fino al 20 aprile.", MON_9_MAR, date(2026, 4, 21)),
    ("Rientro in ufficio il 21 aprile.", MON_9_MAR, date(2026, 4, 21)),
    ("Sono assente fino a lunedì.", MON_9_MAR, date(2026, 3, 17)),
    # Dutch.
    ("Ik ben afwezig tot en met 3 april.", MON_9_MAR, date(2026, 4, 4)),
    ("Vanaf maandag 6 april ben ik weer aanwezig.", MON_9_MAR, date(2026, 4, 6)),
    ("Ik ben er weer op 16 maart.", MON_9_MAR, date(2026, 3, 16)),
    # Portuguese.
    ("Estarei ausente até 10 de abril.", MON_9_MAR, date(2026, 4, 11)),
    ("Regresso no dia 13 de abril.", MON_9_MAR, date(2026, 4, 13)),
    ("Estou de férias. Volto segunda-feira.", MON_9_MAR, date(2026, 3, 16)),
    # Year inference: the next such date after the message date.
    ("Back on 5 January.", date(2025, 12, 22), date(2026, 1, 5)),
    ("Vom 22.12. bis 06.01. bin ich im Urlaub.", date(2025, 12, 22), date(2026, 1, 7)),
]


@pytest.mark.parametrize(("text", "sent", "expected"), CASES)
def test_return_date(text: str, sent: date, expected: date) -> None:
    found = find_return_date(text, sent)
    assert found is not None, text
    assert found.date == expected, f"{text!r}: {found}"


@pytest.mark.parametrize("text", [
    "I am out of the office with limited access to email.",
    "For 24/7 support call +44 20 7946 0321.",
    "I was back on 1 March.",  # stale: already past when the message was written
    "Back on 3 March 2024.",  # stale with an explicit year
    "Call me at 10.30 or 14.45.",
    "I'm away on Monday.",  # a bare weekday without a return or until word says nothing
])
def test_no_return_date(text: str) -> None:
    assert find_return_date(text, MON_9_MAR) is None


def test_without_a_message_date_only_explicit_years_count() -> None:
    assert find_return_date("Back on 16 March.", None) is None
    found = find_return_date("Back on 16 March 2026.", None)
    assert found is not None and found.date == date(2026, 3, 16)


def test_a_return_word_beats_an_until() -> None:
    found = find_return_date("Out until Friday 13 March; back on Monday 16 March.", MON_9_MAR)
    assert found is not None and found.date == date(2026, 3, 16) and found.context == "return"
