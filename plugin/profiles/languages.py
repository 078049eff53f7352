"""Languages (ISO 639-1) and CEFR levels. Pure: the profile and exchange forms both use it."""

from __future__ import annotations

from plugin.errors import InvalidInput
from plugin.i18n import N_

# ISO 639-1 codes that CLDR knows a name for, so every code can be shown in every UI language.
_ISO_639_1_TABLE = (
    "aa ab af ak am an ar as az ba be bg bm bn bo br bs ca ce co cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fo fr fy ga gd gl gn gu gv ha he hi hr ht hu hy ia id ie ig ii io "
    "is it iu ja jv ka ki kk kl km kn ko ks ku kw ky la lb lg ln lo lt lu lv mg mi mk ml mn mr "
    "ms mt my nb nd ne nl nn no nr nv ny oc om or os pa pl ps pt qu rm rn ro ru rw sa sc sd se "
    "sg si sk sl sn so sq sr ss st su sv sw ta te tg th ti tk tn to tr ts tt ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_TABLE.split())
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
MAX_LANGUAGES = 8


def check_language_code(code: str) -> str:
    clean = code.strip().lower()
    if clean not in ISO_639_1:
        raise InvalidInput(N_("Choose languages from the list (ISO 639-1 codes such as en or nl)."))
    return clean


def check_language_codes(codes: list[str]) -> list[str]:
    """Unique, known codes in the order given; at least one, at most eight."""
    clean = list(dict.fromkeys(check_language_code(c) for c in codes if c.strip()))
    if not clean:
        raise InvalidInput(N_("Choose at least one language."))
    if len(clean) > MAX_LANGUAGES:
        raise InvalidInput(N_("Choose at most eight languages."))
    return clean


def check_language_levels(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    """[(code, level)] → [{"code", "level"}]; each language once, each with a CEFR level."""
    result: dict[str, str] = {}
    for row, (code, level) in enumerate(pairs):
        if not code.strip():
            continue
        try:
            clean = check_language_code(code)
        except InvalidInput as error:  # named after the row's select on the profile form
            raise InvalidInput(error.message, f"lang-{row}") from None
        if level not in CEFR_LEVELS:
            raise InvalidInput(
                N_("Each language needs a level from A1 to C2, or native."), f"level-{row}"
            )
        result[clean] = level
    if not result:
        raise InvalidInput(N_("Choose at least one language."))
    if len(result) > MAX_LANGUAGES:
        raise InvalidInput(N_("Choose at most eight languages."))
    return [{"code": c, "level": lvl} for c, lvl in result.items()]
