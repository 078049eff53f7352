"""plugin.i18n: a marked message reads as English and asks the adapter's catalogue for the rest."""

from __future__ import annotations

from plugin.i18n import N_, Nn_, Text, translate


def _dutch(msgid: str, **params: object) -> str:
    catalogue = {"Room %(room)s is closed.": "Ruimte %(room)s is gesloten."}
    return catalogue.get(msgid, msgid) % params if params else catalogue.get(msgid, msgid)


def _dutch_plural(singular: str, plural: str, num: int, **params: object) -> str:
    chosen = "%(num)d aanwezigheid" if num == 1 else "%(num)d aanwezigheden"
    return chosen % {"num": num, **params}


def test_a_marked_message_is_its_english_text_with_the_msgid_kept() -> None:
    text = N_("Room %(room)s is closed.", room=7)
    assert text == "Room 7 is closed."
    assert isinstance(text, Text)
    assert text.msgid == "Room %(room)s is closed."
    assert translate(text, _dutch, _dutch_plural) == "Ruimte 7 is gesloten."


def test_plural_forms_choose_by_count_in_english_and_through_ngettext() -> None:
    one = Nn_("%(num)d attendance", "%(num)d attendances", 1)
    many = Nn_("%(num)d attendance", "%(num)d attendances", 3)
    assert (one, many) == ("1 attendance", "3 attendances")
    assert translate(many, _dutch, _dutch_plural) == "3 aanwezigheden"


def test_a_plain_string_goes_to_gettext_as_its_own_msgid() -> None:
    assert translate("Room %(room)s is closed.", _dutch, _dutch_plural) == (
        "Ruimte %(room)s is gesloten."
    )
