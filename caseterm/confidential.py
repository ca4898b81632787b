"""The one wording of the CONFIDENTIAL marking on everything caseterm writes for people to read.

004: "do not remove client information from your agency". Exports and prints are
readable files by design, even when the caseload itself is encrypted (issue 16),
so the marking says that too.
"""

from __future__ import annotations

CONFIDENTIAL = "CONFIDENTIAL"
#: The marking of reports and exports.
CONFIDENTIAL_NOTICE = (
    "this document contains client information and is not encrypted (even when the caseload it came from is). "
    "Do not remove it from the agency or share it without a signed release of information."
)
#: The same as one line (CSV row 1, zip comment, the JSON export's "notice").
CONFIDENTIAL_LINE = f"{CONFIDENTIAL}: {CONFIDENTIAL_NOTICE}"
#: The marking of a letter, which does leave the agency: for its addressee only.
LETTER_NOTICE = "personal information for the person named above only."
