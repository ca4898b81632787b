"""Small English helpers for messages: counts with the right plural, `a` or `an`.

Why: messages are read by people ("1 clients", "a engagement letter" look
broken and make the rest of the screen less trusted). Every message that
builds a count or an article from a value goes through these two functions.
Pure: no imports beyond the standard library, so rules may use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath

#: Nouns whose plural is not the regular one (singular -> plural).
IRREGULAR: dict[str, str] = {
    "child": "children",
    "person": "people",
    "hours": "hours",
    "staff": "staff",
}

#: Words that start with a vowel letter but a consonant sound ("a user", "a one-time").
_CONSONANT_SOUND = (
    "one", "once", "unit", "union", "unique", "univers", "uniform", "use", "usual", "utili", "euro", "ewe",
)
#: Words that start with a silent h ("an hour").
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")
#: Acronyms said as words, not letter by letter ("a SNAP case", "a HUD form").
_SAID_AS_WORDS = {"SNAP", "TANF", "HUD", "SPDAT", "JOBS", "ESG", "CoC"}
#: Letters whose spoken name starts with a vowel sound (F is "eff", M is "em"...).
_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")


def plural_of(singular: str) -> str:
    """The plural of an English noun (the last word of a phrase: "contact attempt" -> "contact attempts")."""
    head, _, last = singular.rpartition(" ")
    prefix = f"{head} " if head else ""
    lower = last.lower()
    if lower in IRREGULAR:
        return prefix + IRREGULAR[lower]
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return prefix + last + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return prefix + last[:-1] + "ies"
    return prefix + last + "s"


def plural(count: int | float, singular: str, plural_form: str | None = None) -> str:
    """`1 client`, `0 clients`, `2 business days`: the count and the noun that agrees with it.

    A float count is shown as it reads (`37.5 hours`, `1 hour`).
    """
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    word = singular if count == 1 else (plural_form or plural_of(singular))
    return f"{shown} {word}"


def a_an(phrase: str) -> str:
    """`an engagement letter`, `a re-engagement notice`, `an hour`, `a user`, `an FSSP`.

    The article is chosen by the first word's sound, as far as spelling tells it.
    """
    text = phrase.strip()
    if not text:
        return text
    word = text.split()[0].strip("\"'(“‘")
    return f"{_article(word)} {text}"


def _article(word: str) -> str:
    if not word:
        return "a"
    core = word.split("-")[0]
    if core in _SAID_AS_WORDS:
        return "an" if core[0] in "AEIOU" else "a"
    if len(core) > 1 and core.isupper() and core.isalpha():
        # An initialism, said letter by letter: "an EA", "an FSSP", "a VI-SPDAT".
        return "an" if core[0] in _VOWEL_SOUND_LETTERS else "a"
    if core[:1].isdigit():
        # "an 8:30 appointment", "an 11:00 meeting", "an 18-year-old"; other numbers take "a".
        return "an" if core.startswith("8") or re.split(r"\D", core)[0] in ("11", "18") else "a"
    lower = word.lower()
    if lower.startswith(_SILENT_H):
        return "an"
    if lower.startswith(_CONSONANT_SOUND):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


#: C0 controls but newline and tab, DEL, and the C1 controls (U+0080-U+009F: U+009B is a CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Every control character, newline and tab included (a screen line holds neither).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return "^" + chr(code + 0x40)  # ESC -> ^[ , BEL -> ^G: visible, as `cat -v` shows them
    # DEL and C1 (U+009B is CSI) as JSON writes them: visible in text, the same data inside a
    # JSON string (json.dumps escapes C0 itself but leaves these raw), so --json output stays exact.
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` safe to put on a terminal: every control character but newline and tab shown
    visibly (`^[`, `^G`; DEL and C1 as `\\u009b`), so data can never clear the screen, set the
    title, write the clipboard or hide text (issue 21 item 6). A CRLF line end is a newline."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_shown, text.replace("\r\n", "\n"))


def printable_line(text: str) -> str:
    """`printable`, and newlines and tabs as spaces too: for one line of a table or a title."""
    return printable(text).replace("\n", " ").replace("\t", " ")



def file_lines(paths: Iterable[PurePath], indent: str = "  ") -> str:
    """Each file's folder on a line, then its names one a line under it (indented).

    Why: a message wraps at its box's width, and a whole path is one long word that
    breaks mid-name ("TA-113 / 91-engagement"); a name on its own line stays whole.
    """
    folders: dict[str, list[str]] = {}
    for path in paths:
        folders.setdefault(f"{path.parent}/", []).append(path.name)
    return "\n".join(f"{folder}\n" + "\n".join(indent + name for name in names) for folder, names in folders.items())
