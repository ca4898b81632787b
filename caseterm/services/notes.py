"""The case narrative: notes are added, amended, never changed or deleted.

Also the note being typed (drafts, which may be deleted: they are not notes),
the quick log of a contact attempt, and full-text search over all notes.

Why one module of 1,100 lines: the append-only rule (add, amend, never change) and the record
standard apply to every path that writes a note; keeping the paths together keeps them honest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text as sql_text
from sqlmodel import Session, col, func, select

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.models import Client, Note, NoteDraft
from caseterm.services import audit
from caseterm.services.collateral import check_collateral
from caseterm.vocabulary import label, AuditAction, ContactMethod, ContactOutcome, NoteType

#: A note written more than this long after its contact is a "late entry" (004).
#: Overridden by the policy's value when the policy module provides one.
_DEFAULT_LATE_AFTER = dt.timedelta(hours=24)

#: Note types shown by the engagement filter: engagement contacts and attempts,
#: re-engagement efforts and good-cause decisions (003), and letters, which are
#: written contact attempts (000).
ENGAGEMENT_TYPES: frozenset[NoteType] = frozenset(
    {NoteType.ENGAGEMENT, NoteType.RE_ENGAGEMENT_STAFFING, NoteType.GOOD_CAUSE, NoteType.LETTER}
)

#: Methods a quick-logged contact attempt may use (003: "one in writing and one
#: in another format").
ATTEMPT_METHODS: tuple[ContactMethod, ...] = (
    ContactMethod.PHONE,
    ContactMethod.TEXT,
    ContactMethod.EMAIL,
    ContactMethod.LETTER,
    ContactMethod.HOME_VISIT,
)

#: Longest note text accepted (a sanity bound, not a policy number).
MAX_TEXT = 100_000
#: Longest amendment reason (one line).
MAX_REASON = 300

# --------------------------------------------------------------------------
# The record standard (001: "if a note is not entered, it didn't happen";
# 004: dates, locations and time spent on all case-management activities)
# --------------------------------------------------------------------------

#: Note types that record a contact (with the client, or collateral: with
#: someone about the client). Each needs a method, an outcome and minutes > 0.
CONTACT_NOTE_TYPES: frozenset[NoteType] = frozenset(
    {NoteType.CONTACT, NoteType.ENGAGEMENT, NoteType.HOME_VISIT, NoteType.COLLATERAL}
)

#: The fields each note type needs besides its text, in one table. "method",
#: "outcome", "minutes" (> 0). Types that are not contacts need less: a plan
#: review or a staffing records the time spent (004); a letter its method; a
#: good-cause determination only its text.
REQUIRED_FIELDS: dict[NoteType, tuple[str, ...]] = {
    NoteType.CONTACT: ("method", "outcome", "minutes"),
    NoteType.ENGAGEMENT: ("method", "outcome", "minutes"),
    NoteType.HOME_VISIT: ("method", "outcome", "minutes"),
    NoteType.COLLATERAL: ("method", "outcome", "minutes"),
    NoteType.CASE_PLAN: ("minutes",),
    NoteType.ASSESSMENT: ("minutes",),
    NoteType.CASE_CONFERENCE: ("minutes",),
    NoteType.RE_ENGAGEMENT_STAFFING: ("minutes",),
    NoteType.GOOD_CAUSE: (),
    NoteType.LETTER: ("method",),
    NoteType.SUPERVISION: (),
    NoteType.TRANSFER: (),
}

#: Methods of a message that is sent, not answered at once: a letter or an
#: e-mail has no outcome yet when it goes out (blank outcome = "sent").
SENT_METHODS: frozenset[ContactMethod] = frozenset({ContactMethod.LETTER, ContactMethod.EMAIL})

_FIELD_HINT = {
    "method": "method: required for a {what} (phone, text, e-mail, letter, home visit, office, other)",
    "outcome": "outcome: required for a {what} (reached, no answer, left message, returned mail, wrong number)",
    "minutes": "minutes: required for a {what}: the time spent, more than 0 (004)",
}


def required_fields(note_type: NoteType) -> tuple[str, ...]:
    """What a note of this type needs besides its text (the table above)."""
    return REQUIRED_FIELDS.get(NoteType(note_type), ())


def requirement_text(note_type: NoteType) -> str:
    """"A contact note needs a method, an outcome and minutes" (shown in the editor)."""
    need = [{"method": "a method", "outcome": "an outcome", "minutes": "minutes"}[f] for f in required_fields(note_type)]
    what = "contact note" if note_type in CONTACT_NOTE_TYPES else f"{label(note_type)} note"
    if not need:
        return f"A {what} needs its text."
    listed = need[0] if len(need) == 1 else ", ".join(need[:-1]) + " and " + need[-1]
    return f"A {what} needs {listed}."


def _template_prompts() -> list[str]:
    """Every heading / prompt line of every note template, longest first: the note types' and the
    appointment kinds' own (an FSSP's template is as empty as a contact note's, 23.2)."""
    bodies = [*all_templates().values(), *appointment_templates()]
    prompts = {line.strip() for body in bodies for line in body.splitlines() if line.strip()}
    return sorted(prompts, key=len, reverse=True)


def own_words(text: str) -> str:
    """The text with the templates' headings and prompts taken out: what the writer wrote."""
    for prompt in _template_prompts():
        text = text.replace(prompt, " ")
    return text


def has_own_words(text: str) -> bool:
    return bool(re.search(r"\w", own_words(text)))


def record_standard_errors(
    note_type: NoteType,
    method: ContactMethod | None,
    outcome: ContactOutcome | None,
    minutes: int | None,
) -> list[str]:
    """Each required field of this note type that is missing, named (empty: fine)."""
    note_type = NoteType(note_type)
    what = "contact note" if note_type in CONTACT_NOTE_TYPES else f"{label(note_type)} note"
    errors = []
    for name in required_fields(note_type):
        if name == "method" and method is None:
            errors.append(_FIELD_HINT[name].format(what=what))
        elif name == "outcome" and outcome is None and method not in SENT_METHODS:
            errors.append(_FIELD_HINT[name].format(what=what))
        elif name == "minutes" and (minutes is None or minutes <= 0):
            errors.append(_FIELD_HINT[name].format(what=what))
    return errors


def check_record_standard(
    note_type: NoteType,
    method: ContactMethod | None,
    outcome: ContactOutcome | None,
    minutes: int | None,
    text: str,
) -> None:
    """BadInput naming every missing field, or a text that is only the template's prompts."""
    errors = record_standard_errors(note_type, method, outcome, minutes)
    if text.strip() and not has_own_words(text):
        errors.insert(0, "text: only the template's headings and prompts; write what happened in your own words")
    if errors:
        raise BadInput(*errors)


def attempt_minutes() -> int:
    """Minutes recorded for a quick-logged attempt or a reminder call (policy)."""
    section = _policy_notes()
    value = getattr(section, "attempt_minutes", None)
    return value if isinstance(value, int) and value > 0 else 5


def _policy_notes() -> Any:
    try:
        from caseterm.policy import load_policy

        return load_policy().notes
    except (ImportError, AttributeError):
        return None


def late_entry_threshold() -> dt.timedelta:
    """004: documented within 24 hours; the policy's [notes] section sets the hours."""
    section = _policy_notes()
    for name in ("late_entry_hours", "finish_within_hours"):
        hours = getattr(section, name, None)
        if isinstance(hours, (int, float)):
            return dt.timedelta(hours=hours)
    return _DEFAULT_LATE_AFTER


def written_methods() -> frozenset[ContactMethod]:
    """Methods that count as "in writing" for the engagement rule (policy, 003)."""
    try:
        from caseterm.policy import load_policy

        names = load_policy().engagement.written_methods
        return frozenset(ContactMethod(n) for n in names)
    except (ImportError, AttributeError, ValueError):
        return frozenset({ContactMethod.LETTER})


def is_late_entry(
    contact_at: dt.datetime, written_at: dt.datetime, latest_contact: dt.datetime | None
) -> bool:
    """Late if written > threshold after the contact, or out of chronological order (004)."""
    if written_at - contact_at > late_entry_threshold():
        return True
    return latest_contact is not None and contact_at < latest_contact


def latest_contact_at(session: Session, client_id: int) -> dt.datetime | None:
    return session.exec(select(func.max(Note.contact_at)).where(Note.client_id == client_id)).one()


def would_be_late(session: Session, client: Client, contact_at: dt.datetime) -> bool:
    """What the late-entry flag would be if the note were saved now (shown while typing)."""
    assert client.id is not None
    return is_late_entry(contact_at, clock.now(), latest_contact_at(session, client.id))


def _check_note_fields(text: str, contact_at: dt.datetime, written_at: dt.datetime, minutes: int | None) -> None:
    errors: list[str] = []
    if not text.strip():
        errors.append("text: a note needs some text")
    if len(text) > MAX_TEXT:
        errors.append(f"text: longer than {MAX_TEXT} characters")
    if contact_at > written_at:
        errors.append("contact date/time: the contact cannot be after the time the note is written")
    if minutes is not None and not (0 <= minutes <= 24 * 60):
        errors.append("minutes: must be between 0 and 1440")
    if errors:
        raise BadInput(*errors)


def add_note(
    session: Session,
    client: Client,
    *,
    type: NoteType,
    text: str,
    contact_at: dt.datetime | None = None,
    written_at: dt.datetime | None = None,
    method: ContactMethod | None = None,
    outcome: ContactOutcome | None = None,
    minutes: int | None = None,
    author: str | None = None,
    amends: Note | None = None,
    uid: str | None = None,
    validate: bool = True,
    amend_reason: str | None = None,
    appointment_id: int | None = None,
    audited: bool = True,
    started_at: dt.datetime | None = None,
    party: str | None = None,
    release_reason: str | None = None,
) -> Note:
    """Append a note; the author and written-at are filled in, late entry is derived.

    `validate` applies the record standard to a note written now (from the
    app, the CLI, a letter): the text, the times, and the fields its type
    needs (`REQUIRED_FIELDS`). Importing historic notes does not come here: a
    file's notes are taken as the file has them.

    An amendment keeps the late-entry flag of what it corrects: the correction
    is not itself a contact out of order. The audit trail gets one entry in
    the same transaction (note_saved or note_amended; `audited=False` for a
    caller that audits the whole action itself, as a letter does).

    `started_at`: when the writer began this text (a form and its draft). A text
    whose own words were all saved as a note of the client since then is refused:
    it is that note again (23.1). Saving ends the drafts the note became.

    A collateral note names its `party`; with no release in force covering it the
    note needs a `release_reason` (`release_reason_text`), kept with the note and
    marked in its audit entry (23.6). Other types keep neither.
    """
    from caseterm.config import load_settings

    written = written_at or clock.now()
    contact = contact_at or written
    if validate:
        _check_note_fields(text, contact, written, minutes)
        check_record_standard(type, method, outcome, minutes, text)
    assert client.id is not None
    if started_at is not None and has_own_words(text):
        saved = saved_since(session, client.id, started_at)
        if saved and unsaved_rest(text, saved) is None:
            raise BadInput(
                "text: already saved as a note since this note was started (from another window or F4); "
                "nothing new to save"
            )
    if NoteType(type) is not NoteType.COLLATERAL:
        party = release_reason = None
    elif amends is not None:
        party = party or amends.party
        release_reason = release_reason or amends.release_reason
    elif validate:
        party = check_collateral(session, client, party, release_reason, contact.date())
    release_reason = " ".join(release_reason.split()) if release_reason and release_reason.strip() else None
    if amends is not None:
        late = amends.late_entry
    else:
        late = is_late_entry(contact, written, latest_contact_at(session, client.id))
    note = Note(
        uid=uid or str(uuid.uuid4()),
        client_id=client.id,
        contact_at=contact,
        written_at=written,
        type=type,
        method=method,
        outcome=outcome,
        minutes=minutes,
        # Agency mode: the database signs it with the login (migration 0007); solo: settings' user.
        author=author or ("" if session.get_bind().dialect.name == "postgresql" else load_settings().user),
        text=text,
        late_entry=late,
        amends_id=amends.id if amends else None,
        amend_reason=amend_reason,
        appointment_id=appointment_id,
        party=party,
        release_reason=release_reason,
    )
    session.add(note)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(note, ["author"])  # agency mode: the database sets it from the login (0006)
    end_saved_drafts(session, client.id, [text])
    if audited:
        action = AuditAction.NOTE_AMENDED if amends is not None else AuditAction.NOTE_SAVED
        audit.record(session, action, client.case_number, audit.detail_of(
            type=NoteType(type).value, note=note.uid,
            # shared without a release in force: the reason's kind is in the trail (its words are in the note)
            without_release=release_reason.split(":", 1)[0] if release_reason else None,
        ))
    return note


def get_note(session: Session, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise BadInput(f"note {note_id}: no such note")
    return note


def amend_note(
    session: Session,
    original: Note | int,
    *,
    text: str,
    type: NoteType | None = None,
    method: ContactMethod | None = None,
    outcome: ContactOutcome | None = None,
    minutes: int | None = None,
    author: str | None = None,
    written_at: dt.datetime | None = None,
    reason: str | None = None,
) -> Note:
    """Correct a note by appending an amendment linked to it; the original stays as it was.

    The amendment keeps the original's contact time (it is the same contact);
    unspecified fields are carried over from the original. `reason` (one line)
    is required: it is stored and shown with the amendment.
    """
    reason_text = check_amend_reason(reason)
    if isinstance(original, int):
        original = get_note(session, original)
    newer = session.exec(select(Note.id).where(Note.amends_id == original.id)).first()
    if newer is not None:
        raise BadInput("note: it has already been amended; amend the latest version")
    if text == original.text and (type is None or type == original.type):
        raise BadInput("text: the amendment is the same as the original")
    client = session.get(Client, original.client_id)
    assert client is not None
    return add_note(
        session,
        client,
        type=type or original.type,
        text=text,
        contact_at=original.contact_at,
        written_at=written_at,
        method=method if method is not None else original.method,
        outcome=outcome if outcome is not None else original.outcome,
        minutes=minutes if minutes is not None else original.minutes,
        author=author,
        amends=original,
        amend_reason=reason_text,
        appointment_id=original.appointment_id,
    )


def check_amend_reason(reason: str | None) -> str:
    """The amendment's reason, one line, required (BadInput naming it otherwise)."""
    text = (reason or "").strip()
    if not text:
        raise BadInput("reason: an amendment needs a reason (one line: what was wrong)")
    if "\n" in text or "\r" in text:
        raise BadInput("reason: one line only")
    if len(text) > MAX_REASON:
        raise BadInput(f"reason: longer than {MAX_REASON} characters")
    return text


@dataclass(frozen=True)
class DiffPart:
    """A run of words of an amendment's diff: "same", "removed" or "added"."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[DiffPart]:
    """What an amendment changed, word by word (difflib), whitespace kept with each word."""
    import difflib

    a = re.findall(r"\S+\s*", old)
    b = re.findall(r"\S+\s*", new)
    parts: list[DiffPart] = []

    def push(op: str, words: list[str]) -> None:
        if not words:
            return
        chunk = "".join(words)
        if parts and parts[-1].op == op:
            parts[-1] = DiffPart(op, parts[-1].text + chunk)
        else:
            parts.append(DiffPart(op, chunk))

    matcher = difflib.SequenceMatcher(a=[w.strip() for w in a], b=[w.strip() for w in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("same", b[j1:j2])
        else:
            push("removed", a[i1:i2])
            push("added", b[j1:j2])
    return parts


#: Unchanged words shown on each side of a change in an amendment's diff.
DIFF_CONTEXT_WORDS = 4
ELLIPSIS = "… "


def diff_hunks(parts: list[DiffPart], context: int = DIFF_CONTEXT_WORDS) -> list[DiffPart]:
    """The diff with long unchanged runs cut to `context` words around each change.

    The amendment view shows what changed, not the whole note again.
    """
    if not any(p.op != "same" for p in parts):
        return []
    out: list[DiffPart] = []
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if part.op != "same":
            out.append(part)
            continue
        words = re.findall(r"\S+\s*", part.text)
        lead = re.match(r"\s*", part.text).group(0)  # type: ignore[union-attr]
        if len(words) <= 2 * context:
            out.append(part)
        elif index == 0:
            out.append(DiffPart("same", ELLIPSIS + "".join(words[-context:])))
        elif index == last:
            out.append(DiffPart("same", lead + "".join(words[:context]).rstrip() + " …"))
        else:
            out.append(DiffPart("same", lead + "".join(words[:context]) + ELLIPSIS + "".join(words[-context:])))
    return out


def list_notes(session: Session, client: Client, engagement_only: bool = False) -> list[Note]:
    """Every note of a client, amendments included, newest contact first."""
    query = select(Note).where(Note.client_id == client.id)
    if engagement_only:
        query = query.where(col(Note.type).in_([t.value for t in ENGAGEMENT_TYPES]))
    query = query.order_by(col(Note.contact_at).desc(), col(Note.written_at).desc(), col(Note.id).desc())
    return list(session.exec(query).all())


@dataclass
class NoteThread:
    """A note as it reads now, with the versions it replaced (newest first).

    The timeline shows `current`, and each of `superseded` struck through beside
    it: the "line through, initial and date" rule of 004.
    """

    current: Note
    superseded: list[Note] = field(default_factory=list)

    @property
    def original(self) -> Note:
        return self.superseded[-1] if self.superseded else self.current

    @property
    def is_engagement(self) -> bool:
        return self.current.type in ENGAGEMENT_TYPES


def note_threads(session: Session, client: Client, engagement_only: bool = False) -> list[NoteThread]:
    """The timeline: one thread per original note, newest contact first."""
    notes = list_notes(session, client)
    by_id = {n.id: n for n in notes}
    replaced_by = {n.amends_id: n for n in notes if n.amends_id is not None}
    threads: list[NoteThread] = []
    for note in notes:
        if note.amends_id is not None and note.amends_id in by_id:
            continue  # shown inside its original's thread
        chain = [note]
        while chain[-1].id in replaced_by:
            chain.append(replaced_by[chain[-1].id])
        thread = NoteThread(current=chain[-1], superseded=list(reversed(chain[:-1])))
        if engagement_only and not (thread.is_engagement or thread.original.type in ENGAGEMENT_TYPES):
            continue
        threads.append(thread)
    return threads


def quick_log(
    session: Session,
    client: Client,
    method: ContactMethod,
    outcome: ContactOutcome | None,
    *,
    text: str = "",
    contact_at: dt.datetime | None = None,
    author: str | None = None,
) -> Note:
    """Log a contact attempt as an engagement note (003: two attempts, one in writing)."""
    if method not in ATTEMPT_METHODS:
        raise BadInput(f"method: {method.value} is not a contact attempt (use phone, text, e-mail, letter or home visit)")
    kind = "written" if method in written_methods() else "contact"
    result = label(outcome) if outcome else "sent"
    summary = f"Engagement {kind} attempt by {label(method)}: {result}."
    body = summary if not text.strip() else f"{summary}\n{text.strip()}"
    return add_note(
        session,
        client,
        type=NoteType.ENGAGEMENT,
        text=body,
        contact_at=contact_at,
        method=method,
        outcome=outcome,
        minutes=attempt_minutes(),
        author=author,
    )


# --------------------------------------------------------------------------
# Drafts: the note being typed, saved on every pause
# --------------------------------------------------------------------------


def save_draft(
    session: Session,
    client: Client,
    *,
    text: str,
    fields: dict[str, Any] | None = None,
    amends_id: int | None = None,
    appointment_id: int | None = None,
) -> NoteDraft | None:
    """Keep what is being typed: one draft per client, note being amended and
    appointment (a free note and an appointment's note are separate drafts).

    An empty text with no fields removes the draft: there is nothing to lose.
    Text already saved as a note since the draft was started (`fields["started_at"]`,
    ISO) is not kept again: a form left open after its text was saved elsewhere
    (F4 in another mode) cannot bring that text back as an unsaved note (23.1);
    if nothing of the writer's own is left, there is no draft.
    """
    draft = load_draft(session, client, amends_id=amends_id, appointment_id=appointment_id)
    fields = dict(fields or {})
    started = _started_at(fields) or (draft_started(draft) if draft is not None else None) or clock.now()
    fields["started_at"] = started.isoformat(timespec="seconds")
    assert client.id is not None
    rest = unsaved_rest(text, saved_since(session, client.id, started))
    if rest is None or not rest.strip():
        if draft is not None:
            session.delete(draft)
            session.flush()
        return None
    if draft is None:
        assert client.id is not None
        draft = NoteDraft(
            client_id=client.id, amends_id=amends_id, appointment_id=appointment_id, updated_at=clock.now()
        )
    draft.text = rest
    draft.fields_json = json.dumps(fields, sort_keys=True, default=str)
    draft.updated_at = clock.now()
    session.add(draft)
    session.flush()
    return draft


def load_draft(
    session: Session, client: Client, amends_id: int | None = None, appointment_id: int | None = None
) -> NoteDraft | None:
    """The draft of this client's free note, amendment, or note for one appointment."""
    query = select(NoteDraft).where(NoteDraft.client_id == client.id)
    if amends_id is None:
        query = query.where(col(NoteDraft.amends_id).is_(None))
    else:
        query = query.where(NoteDraft.amends_id == amends_id)
    if appointment_id is None:
        query = query.where(col(NoteDraft.appointment_id).is_(None))
    else:
        query = query.where(NoteDraft.appointment_id == appointment_id)
    return session.exec(query.order_by(col(NoteDraft.updated_at).desc())).first()


def drafts_for(session: Session, client: Client) -> list[NoteDraft]:
    """Every unsaved draft of a client (new notes and amendments), newest first."""
    query = select(NoteDraft).where(NoteDraft.client_id == client.id).order_by(col(NoteDraft.updated_at).desc())
    return list(session.exec(query).all())


@dataclass(frozen=True)
class DraftInfo:
    """An unsaved note as the start-up notice, the F4 key and the caseload show it."""

    id: int
    case_number: str
    name: str
    updated_at: dt.datetime
    appointment_id: int | None
    amends_id: int | None
    type: str


def all_drafts(session: Session) -> list[DraftInfo]:
    """Every unsaved note of the caseload, oldest first (the one most at risk first)."""
    rows = session.exec(
        select(NoteDraft, Client).join(Client, col(Client.id) == col(NoteDraft.client_id))
        .order_by(col(NoteDraft.updated_at), col(NoteDraft.id))
    ).all()
    return [
        DraftInfo(
            id=draft.id or 0,
            case_number=client.case_number,
            name=client.display_name,
            updated_at=draft.updated_at,
            appointment_id=draft.appointment_id,
            amends_id=draft.amends_id,
            type=str(draft_fields(draft).get("type") or ""),
        )
        for draft, client in rows
    ]


def draft_fields(draft: NoteDraft) -> dict[str, Any]:
    try:
        data = json.loads(draft.fields_json or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _started_at(fields: dict[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(fields["started_at"]))
    except (KeyError, ValueError):
        return None


def draft_started(draft: NoteDraft) -> dt.datetime:
    """When the draft's text was first typed: its `started_at`, or (a draft from before
    that was kept) the start of the day it was last written."""
    return _started_at(draft_fields(draft)) or dt.datetime.combine(draft.updated_at.date(), dt.time.min)


def saved_since(session: Session, client_id: int, since: dt.datetime) -> list[str]:
    """The texts of the client's notes written after `since` (what a draft begun then may have become)."""
    query = select(Note.text).where(Note.client_id == client_id, col(Note.written_at) > since)
    return list(session.exec(query).all())


def _norm(text: str) -> str:
    return " ".join(own_words(text).split()).casefold()


def unsaved_text(text: str, saved: Sequence[str]) -> str:
    """The draft's text less what is already saved: each line whose own words are in one
    of the `saved` note texts keeps only its template heading (if it had one).

    Line by line: a line the writer went on typing after the save stays whole (new words
    are never dropped); a line copied into a note goes."""
    if not saved:
        return text
    haystacks = [_norm(body) for body in saved]
    prompts = _template_prompts()
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        words = _norm(line)
        if words and any(words in hay for hay in haystacks):
            heading = " ".join(p for p in prompts if p in line)
            if heading:
                out.append(heading + ("\n" if line.endswith("\n") else ""))
            continue
        out.append(line)
    return "".join(out)


def unsaved_rest(text: str, saved: Sequence[str]) -> str | None:
    """`unsaved_text`, or None when the text had words of its own and all of them are saved
    (a draft of only a template and chosen fields is not a saved note's: it stays)."""
    rest = unsaved_text(text, saved)
    if has_own_words(text) and not has_own_words(rest):
        return None
    return rest


def end_saved_drafts(session: Session, client_id: int | None, saved: Sequence[str]) -> None:
    """A note just saved ends the drafts it became, in its own transaction (23.1).

    Every path that writes a note comes through `add_note`, which calls this: the
    note form, the quick log, a letter, `caseterm note add`. A draft whose own words
    are all in the note goes; one partly in it keeps only the rest; others are untouched.
    """
    if client_id is None:
        return
    for draft in session.exec(select(NoteDraft).where(NoteDraft.client_id == client_id)).all():
        rest = unsaved_rest(draft.text, saved)
        if rest is None:
            session.delete(draft)
        elif rest != draft.text:
            draft.text = rest
            session.add(draft)
    session.flush()


def restorable_draft(
    session: Session, client: Client, amends_id: int | None = None, appointment_id: int | None = None
) -> NoteDraft | None:
    """The draft to offer back, less any text saved as a note since it was started.

    A draft all of whose text is saved is deleted here (None): restoring it would be
    the way to a duplicate note (23.1)."""
    draft = load_draft(session, client, amends_id=amends_id, appointment_id=appointment_id)
    if draft is None:
        return None
    assert client.id is not None
    rest = unsaved_rest(draft.text, saved_since(session, client.id, draft_started(draft)))
    if rest is None:
        session.delete(draft)
        session.flush()
        return None
    if rest != draft.text:
        draft.text = rest
        session.add(draft)
        session.flush()
    return draft


def prune_saved_drafts(session: Session) -> int:
    """Reduce every draft by what was saved since it was started (see `restorable_draft`);
    the number ended. Run before the unsaved notes are listed (F4, the start-up notice)."""
    ended = 0
    for draft, client in session.exec(
        select(NoteDraft, Client).join(Client, col(Client.id) == col(NoteDraft.client_id))
    ).all():
        if restorable_draft(session, client, amends_id=draft.amends_id, appointment_id=draft.appointment_id) is None:
            ended += 1
    return ended


def discard_draft(
    session: Session, client: Client, amends_id: int | None = None, appointment_id: int | None = None
) -> bool:
    """Delete the draft (drafts may be deleted; notes never). True if there was one."""
    draft = load_draft(session, client, amends_id=amends_id, appointment_id=appointment_id)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------

#: Markers put around matched words by snippet(); control characters cannot be
#: typed into a note, so they never collide with its text.
HIT_START = "\x02"
HIT_END = "\x03"
_TOKEN = re.compile(r"\w+", re.UNICODE)
#: A word being typed matches as a prefix from this many letters on ("h*"
#: would expand to every word starting with h: slow and useless).
MIN_PREFIX = 3


#: The word being typed stands for at most this many whole words that start
#: with it (the most frequent in the notes): three letters can start thousands.
MAX_EXPANSIONS = 64


def _fold(word: str) -> str:
    """Lower case without diacritics, as the unicode61 tokenizer stores words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _phrase(words: Sequence[str]) -> str:
    return '"' + " ".join(words) + '"'


def fts_query(
    user_text: str,
    synonyms: Sequence[Sequence[str]] = (),
    words_starting: Callable[[str], list[str]] | None = None,
) -> str:
    """A safe FTS5 query from whatever was typed: every word required, whole words.

    Each word is quoted (quotes, `-`, `AND(`, `NEAR`, `*` and column filters
    lose their meaning, so no input raises) and matched stemmed against the
    stemmed index: `bus` finds "bus", never "budget". A run of words that is
    one of the `synonyms` becomes an OR of its group (`childcare` finds "child
    care"). The last word, while it is being typed (the text ends in it) and
    from MIN_PREFIX letters on, also matches the whole words that start with
    it: `words_starting(prefix)` lists them from the unstemmed index. Without
    that callable (or on a server) the stemmed prefix is used instead.
    """
    words = _TOKEN.findall(user_text)
    if not words:
        return ""
    folded = [_fold(w) for w in words]
    groups = [[_TOKEN.findall(_fold(alt)) for alt in group] for group in synonyms]
    typing = bool(user_text) and user_text[-1].isalnum() and len(words[-1]) >= MIN_PREFIX
    terms: list[str] = []
    i = 0
    while i < len(words):
        best: tuple[int, list[list[str]]] | None = None
        for group in groups:
            for alt in group:
                n = len(alt)
                if n and folded[i : i + n] == alt and (best is None or n > best[0]):
                    best = (n, group)
        if best is not None:
            n, group = best
            alternatives = [_phrase(alt) for alt in group if alt]
            terms.append("(" + " OR ".join(dict.fromkeys(alternatives)) + ")")
            i += n
            continue
        word = folded[i]
        if i == len(words) - 1 and typing:
            if words_starting is None:
                terms.append(f'"{word}"*')
            else:
                whole = [f'"{w}"' for w in [word, *words_starting(word)]]
                terms.append("(" + " OR ".join(dict.fromkeys(whole)) + ")")
        else:
            terms.append(f'"{word}"')
        i += 1
    return " AND ".join(terms)


def words_starting_with(session: Session, prefix: str, limit: int = MAX_EXPANSIONS) -> list[str]:
    """Whole words of the notes that start with `prefix` (unstemmed), most frequent first."""
    rows = session.execute(
        sql_text(
            "SELECT term FROM note_words_vocab WHERE term >= :lo AND term < :hi "
            "ORDER BY doc DESC LIMIT :limit"
        ),
        {"lo": prefix, "hi": prefix + "\U0010ffff", "limit": limit},
    ).scalars()
    return [t for t in rows if t.startswith(prefix)]


@dataclass(frozen=True)
class SearchHit:
    note_id: int
    case_number: str
    client_name: str
    contact_at: dt.datetime
    type: NoteType
    author: str
    snippet: str
    """The matched passage, hits wrapped in HIT_START/HIT_END."""
    amended: bool
    uid: str = ""

    @property
    def plain_snippet(self) -> str:
        """The passage on one line, without the hit markers."""
        return " ".join(self.snippet.replace(HIT_START, "").replace(HIT_END, "").split())

    def to_json(self) -> dict[str, str]:
        """`caseterm search --json`: one hit."""
        return {
            "case_number": self.case_number,
            "uid": self.uid,
            "contact_at": self.contact_at.isoformat(),
            "type": self.type.value,
            "snippet": self.plain_snippet,
        }


#: Relevance (bm25) is ranked among at most this many of the newest matching
#: notes (each ranked note costs a few microseconds); words with fewer
#: matches have every match ranked. Paging past the window widens it.
SEARCH_WINDOW = 2000
#: ... and only while the words typed are in fewer notes than this, each word
#: (and each alternative of a word) counted apart. FTS5's bm25 reads every
#: note that holds each word (its document frequency) whatever the window or
#: LIMIT, so over 1M notes a word found in most of them costs 25-40 ms to rank
#: even within 2,000 matches. At or above this many, the matches come newest
#: first (rowid descending over the index, which stops at the page: ~1 ms),
#: and for such words the recent notes are the ones wanted. The trade-off: a
#: common word's best-matching old note is found by adding a word, not by
#: scrolling. (The probe that decides stops at this many notes: ~2-4 ms.)
RANK_BUDGET = 30_000


def search_notes(
    session: Session,
    query: str,
    limit: int = 50,
    offset: int = 0,
    synonyms: Sequence[Sequence[str]] | None = None,
) -> list[SearchHit]:
    """Notes matching the words typed, one page at a time: best first (bm25,
    among the newest SEARCH_WINDOW matches) when the words are rare enough to
    rank, else newest first (see RANK_BUDGET).

    Whole words, stemmed; the word being typed also as the start of a word;
    the policy's synonyms folded in (`synonyms` overrides them). Three short
    queries: whether the words' notes reach RANK_BUDGET (bounded: it stops
    there) and, if not, where the window of newest matches starts; the page
    of rowids with their snippets (FTS5 only); then the notes and clients of
    that page by primary key.
    """
    if not _TOKEN.search(query):
        return []
    if session.get_bind().dialect.name == "postgresql":
        return search_notes_postgresql(session, query, limit, offset)
    if session.get_bind().dialect.name != "sqlite":
        return _search_like(session, query, limit, offset)
    if synonyms is None:
        from caseterm.policy import load_policy

        synonyms = load_policy().search.synonyms
    match = fts_query(query, synonyms, lambda prefix: words_starting_with(session, prefix))
    # bm25's cost is the notes of each word, AND or not: probe their union, up to the budget.
    union = match.replace(" AND ", " OR ")
    common = session.execute(
        sql_text("SELECT rowid FROM note_fts WHERE note_fts MATCH :m ORDER BY rowid DESC LIMIT 1 OFFSET :b"),
        {"m": union, "b": RANK_BUDGET - 1},
    ).scalar() is not None
    cut = None
    if not common:
        window = max(SEARCH_WINDOW, offset + limit)
        cut = session.execute(
            sql_text("SELECT rowid FROM note_fts WHERE note_fts MATCH :m ORDER BY rowid DESC LIMIT 1 OFFSET :w"),
            {"m": match, "w": window - 1},
        ).scalar()
    page = session.execute(
        sql_text(
            "SELECT rowid, snippet(note_fts, 0, :hs, :he, '…', 16) FROM note_fts "
            f"WHERE note_fts MATCH :m AND rowid >= :cut ORDER BY {'rowid DESC' if common else 'rank'}"
            " LIMIT :limit OFFSET :offset"
        ),
        {"m": match, "hs": HIT_START, "he": HIT_END, "cut": cut or 0, "limit": limit, "offset": offset},
    ).all()
    if not page:
        return []
    return _hits(session, page)


def _search_like(session: Session, query: str, limit: int, offset: int) -> list[SearchHit]:
    """Fallback for a server database without FTS5: every word must appear."""
    stmt = select(Note, Client).join(Client, Client.id == Note.client_id)
    for word in _TOKEN.findall(query):
        stmt = stmt.where(col(Note.text).ilike(f"%{word}%"))
    stmt = stmt.order_by(col(Note.contact_at).desc()).limit(limit).offset(offset)
    hits = []
    for note, client in session.exec(stmt).all():
        assert note.id is not None
        hits.append(
            SearchHit(
                note.id, client.case_number, client.display_name, note.contact_at, note.type, note.author, note.text[:160], False, note.uid or ""
            )
        )
    return hits


# --------------------------------------------------------------------------
# Search on PostgreSQL (agency mode)
# --------------------------------------------------------------------------

#: The words typed, each quoted (so `or`, `-` and quotes lose their meaning, as
#: in fts_query), ANDed by websearch_to_tsquery; the last word being typed also
#: as a prefix. The same english stemming as the generated `search_vector`
#: column (migration 0001), which a GIN index serves.
_PG_SEARCH = """
WITH q AS (SELECT websearch_to_tsquery('english', :words) && to_tsquery('english', :prefix) AS q),
window_ AS (
    SELECT note.id, note.text, note.search_vector FROM note, q
    WHERE note.search_vector @@ q.q ORDER BY note.id DESC LIMIT :window
)
SELECT window_.id,
       ts_headline('english', window_.text, q.q, :options)
FROM window_, q
ORDER BY ts_rank_cd(window_.search_vector, q.q) DESC, window_.id DESC
LIMIT :limit OFFSET :offset
"""


def search_notes_postgresql(session: Session, query: str, limit: int = 50, offset: int = 0) -> list[SearchHit]:
    """search_notes on PostgreSQL: `websearch_to_tsquery` over the note's tsvector,
    ranked (ts_rank_cd) among the newest SEARCH_WINDOW matches, hits marked."""
    words = _TOKEN.findall(query)
    if not words:
        return []
    prefix = ""
    if query[-1].isalnum() and len(words[-1]) >= MIN_PREFIX:
        prefix = f"'{words.pop()}':*"  # \w+ holds no quote: safe inside to_tsquery
    options = f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=16, MinWords=6, MaxFragments=1, FragmentDelimiter=…"
    page = session.execute(
        sql_text(_PG_SEARCH),
        {
            "words": " ".join(f'"{w}"' for w in words),
            "prefix": prefix,
            "options": options,
            "window": max(SEARCH_WINDOW, offset + limit),
            "limit": limit,
            "offset": offset,
        },
    ).all()
    return _hits(session, [(row[0], row[1]) for row in page])


def _hits(session: Session, page: Sequence[tuple[int, str]]) -> list[SearchHit]:
    """A page of (note id, snippet) in rank order as hits: notes and clients by primary key (both engines)."""
    if not page:
        return []
    ids = [note_id for note_id, _ in page]
    rows = session.execute(
        select(Note.id, Client.case_number, Client.legal_name, Client.preferred_name, Note.contact_at, Note.type, Note.author, Note.uid)
        .join(Client, Client.id == Note.client_id)
        .where(col(Note.id).in_(ids))
    ).all()
    details = {r[0]: r for r in rows}
    amended = set(session.execute(select(Note.amends_id).where(col(Note.amends_id).in_(ids))).scalars())
    return [
        SearchHit(
            note_id=note_id,
            case_number=r[1],
            client_name=r[3] or r[2],
            contact_at=r[4],
            type=NoteType(r[5]),
            author=r[6],
            snippet=snip,
            amended=note_id in amended,
            uid=r[7] or "",
        )
        for note_id, snip in page
        if (r := details.get(note_id)) is not None
    ]


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


def note_template(note_type: NoteType) -> str:
    """The starting text for a note of this type (templates/notes/<type>.txt), or ""."""
    from importlib.resources import files

    resource = files("caseterm").joinpath("templates", "notes", f"{note_type.value}.txt")
    try:
        return resource.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return ""


def all_templates() -> dict[NoteType, str]:
    return {t: body for t in NoteType if (body := note_template(t))}


def appointment_template(kind: str, note_type: NoteType) -> str:
    """The starting text of the note for an appointment of `kind`: the kind's own
    template (templates/notes/appointment_<kind>.txt, e.g. the FSSP) if there is
    one, else the note type's."""
    from importlib.resources import files

    resource = files("caseterm").joinpath("templates", "notes", f"appointment_{kind}.txt")
    try:
        return resource.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return note_template(note_type)


def appointment_templates() -> set[str]:
    """Every appointment kind's own template (so switching type may replace one untouched)."""
    from importlib.resources import files

    folder = files("caseterm").joinpath("templates", "notes")
    return {
        entry.read_text(encoding="utf-8") for entry in folder.iterdir() if entry.name.startswith("appointment_")
    }
