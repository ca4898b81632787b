"""Collateral contacts and releases of information (004: share only with consent; issue 23.6).

A collateral note names the party contacted; a release in force covers that party
or the writer gives the reason it was shared anyway. `notes.add_note` applies
this to every collateral note written now; the note form and `caseterm note add`
ask for the reason when `ReleaseNeeded` is raised.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, Release


#: Why a collateral contact may go ahead with no current release covering the
#: party (23.6): the key (one letter picks it in the form), the words stored.
NO_RELEASE_REASONS: dict[str, str] = {
    "verbal": "consent given verbally",
    "emergency": "emergency",
    "other": "other",
}
MAX_PARTY = 200


class ReleaseNeeded(BadInput):
    """A collateral note whose party no current release of information covers.

    The form asks for a reason (`NO_RELEASE_REASONS`) and saves again with it;
    the CLI says which option is missing. `releases`: the parties the client's
    current releases do cover (offered in the question)."""

    def __init__(self, party: str, releases: list[str]) -> None:
        covered = f"current releases: {', '.join(releases)}" if releases else "no current release on file"
        super().__init__(
            f"release: no current release of information covers {party!r} ({covered}); "
            "give the reason it was shared: consent given verbally, emergency, or other with a few words"
        )
        self.party = party
        self.releases = releases


def current_releases(session: Session, client_id: int, day: dt.date) -> list[Release]:
    """The client's releases in force on `day`: signed on or before it, not expired."""
    rows = session.exec(select(Release).where(Release.client_id == client_id)).all()
    return [
        r for r in rows
        if r.signed_on is not None and r.signed_on <= day and (r.expires_on is None or r.expires_on >= day)
    ]


def release_parties(session: Session, client: Client) -> list[str]:
    """Every party the client has a release for (the collateral note's choices), current first."""
    assert client.id is not None
    current = {r.id for r in current_releases(session, client.id, clock.today())}
    rows = sorted(
        session.exec(select(Release).where(Release.client_id == client.id)).all(),
        key=lambda r: (r.id not in current, r.party.casefold()),
    )
    return list(dict.fromkeys(r.party for r in rows if r.party.strip()))


def _party_words(party: str) -> str:
    return " ".join(re.findall(r"\w+", party.casefold()))


def release_covers(release_party: str, party: str) -> bool:
    """A release names the party: the same words, or one name inside the other
    ("Housing Authority" covers "Springfield Housing Authority")."""
    a, b = _party_words(release_party), _party_words(party)
    if not a or not b:
        return False
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "


def release_reason_text(kind: str, text: str = "") -> str:
    """The reason as stored with the note: "consent given verbally: <text>" (other needs its text)."""
    key = kind.strip().casefold()
    if key not in NO_RELEASE_REASONS:
        raise BadInput(f"release reason: {kind!r} is not one of {', '.join(NO_RELEASE_REASONS)}")
    words = " ".join(text.split())
    if key == "other" and not words:
        raise BadInput("release reason: other needs a few words saying why")
    reason = NO_RELEASE_REASONS[key] + (f": {words}" if words else "")
    if len(reason) > 400:
        raise BadInput("release reason: longer than 400 characters")
    return reason


def check_collateral(
    session: Session, client: Client, party: str | None, release_reason: str | None, day: dt.date
) -> str:
    """The party of a collateral note, checked: named, and covered by a release in force on
    the contact's day unless a reason is given (ReleaseNeeded then)."""
    name = " ".join((party or "").split())
    if not name:
        raise BadInput("party: a collateral note names who was contacted (a landlord, an employer, an agency)")
    if len(name) > MAX_PARTY:
        raise BadInput(f"party: longer than {MAX_PARTY} characters")
    assert client.id is not None
    current = current_releases(session, client.id, day)
    if any(release_covers(r.party, name) for r in current) or (release_reason or "").strip():
        return name
    raise ReleaseNeeded(name, list(dict.fromkeys(r.party for r in current)))
