"""The SQL twin of `rules.common.client_reached`. Its own small module, below
`services.caseload` (the first frame's light module) and `services.due`, which
both use it: neither imports the other for it (issue 26: no import circles).
Light on purpose: no SQLAlchemy, no tables."""

from __future__ import annotations


def reached_sql() -> str:
    """SQL condition on a `note` row: it records reaching the client. The same test
    as `rules.common.client_reached` (a collateral contact or a letter never reaches
    the client), built from the same sets; a test checks they agree. It lives here,
    in a light module below both, so the first frame (services.caseload) and the
    due service share one text without importing each other."""
    from caseterm.vocabulary import NEVER_REACHES_CLIENT, NOT_CONTACT_TYPES, ContactMethod, ContactOutcome

    never = ", ".join(f"'{t.value}'" for t in sorted(NEVER_REACHES_CLIENT))
    not_contact = ", ".join(f"'{t.value}'" for t in sorted(NOT_CONTACT_TYPES))
    letter, reached = ContactMethod.LETTER.value, ContactOutcome.REACHED.value
    return (
        f"(type NOT IN ({never}) AND (method IS NULL OR method <> '{letter}')"
        f" AND (outcome = '{reached}' OR (outcome IS NULL AND type NOT IN ({not_contact}))))"
    )


def last_contact_sql() -> str:
    """SQL of each client's last contact: `client_id, last` (the newest note that reached
    the client). The caseload's column, sort and no-contact filter and the caseload report
    read this one text, so "last contact" means the same everywhere."""
    return f"SELECT client_id, max(contact_at) AS last FROM note WHERE {reached_sql()} GROUP BY client_id"
