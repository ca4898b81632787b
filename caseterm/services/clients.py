"""Looking clients up: by case number, the way every other record names them."""

from __future__ import annotations

from sqlmodel import Session, select

from caseterm.errors import BadInput
from caseterm.models import Client


def find_client(session: Session, case_number: str) -> Client | None:
    return session.exec(select(Client).where(Client.case_number == case_number)).first()


def get_client(session: Session, case_number: str) -> Client:
    """The client with this case number, or BadInput naming it."""
    client = find_client(session, case_number)
    if client is None:
        raise BadInput(f"case number {case_number!r}: no such client")
    return client


def case_numbers_by_id(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Client.id, Client.case_number)).all())


def client_ids_by_case_number(session: Session) -> dict[str, int]:
    return {cn: cid for cid, cn in case_numbers_by_id(session).items()}
