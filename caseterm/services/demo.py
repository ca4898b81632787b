"""The demo caseload: about 40 households dated relative to `today`.

Deterministic (same `today`, same data) and built so that every rule id of
DOMAIN.md fires on the demo's today: each rule has at least one household
whose record is set up for it (see SCENARIOS below), the rest are households
in good order. Data is written with the models directly, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from caseterm.models import (
    Appointment,
    Assessment,
    CasePlan,
    Client,
    Goal,
    HoursEntry,
    ManualTask,
    Note,
    NoteDraft,
    Objective,
    PlanTask,
    Referral,
    Release,
)
from caseterm.vocabulary import (
    Activity,
    AppointmentKind,
    AppointmentStatus,
    AssessmentKind,
    ClientStatus,
    ContactMethod,
    ContactOutcome,
    ExitReason,
    NoteType,
    Place,
    Responsible,
    StageOfChange,
    TaskStatus,
    VerifiedBy,
)
from caseterm.policy import load_policy
from caseterm.rules.calendar import BusinessCalendar, calendar_for, monday_of, previous_month
from caseterm.rules.monthly import verification_month

AUTHOR = "jdoe"
UID_NAMESPACE = uuid.UUID("2d6f3b8e-8a43-4c2e-9a3e-7c1d5b0e4f21")

TANF, SNAP, HF = "TANF", "SNAP E&T", "Housing First"


@dataclass
class Household:
    legal: str
    preferred: str | None
    program: str
    scenario: str
    extra: dict = field(default_factory=dict)


#: (legal name, preferred name, program, scenario). A scenario names what the
#: household is set up to show; "ok" households are in good order.
SCENARIOS: list[Household] = [
    Household("Maria Lopez", "Mari", TANF, "today-0830-plan-date"),
    Household("DeShawn Carter", None, TANF, "today-1000-called"),
    Household("Nguyen Thi Lan", "Lan", SNAP, "today-1330-debrief"),
    Household("Aisha Mohammed", None, HF, "today-1500-initial"),
    Household("Tyrone Jackson", "Ty", TANF, "finish-note"),
    Household("Emily Thompson", None, HF, "finish-note-old"),
    Household("Guadalupe Ramirez", "Lupe", TANF, "missed-activity"),
    Household("Jamal Wright", None, TANF, "engagement-attempts"),
    Household("Priya Patel", None, SNAP, "re-engagement"),
    Household("Kateri Yazzie", None, TANF, "penalty"),
    Household("Olga Petrova", None, TANF, "not-initialized"),
    Household("Hana Kim", None, TANF, "work-verification"),
    Household("Marcus Johnson", None, TANF, "close-case"),
    Household("Fatima Hassan", None, TANF, "childcare"),
    Household("Luis Hernández", None, SNAP, "childcare"),
    Household("Brittany Miller", "Britt", TANF, "participation"),
    Household("Samuel Okafor", "Sam", TANF, "participation-exempt"),
    Household("Rosa Delgado", None, TANF, "work-search-warn"),
    Household("Daniel Cho", "Danny", SNAP, "work-search-limit"),
    Household("Keisha Robinson", None, HF, "initial-interview-late"),
    Household("Ahmed Ali", None, HF, "initial-interview-new"),
    Household("Jennifer Walsh", "Jen", HF, "vi-spdat"),
    Household("Tomás Silva", None, HF, "spdat"),
    Household("Mei Chen", None, HF, "plan-review"),
    Household("Andre Baptiste", None, HF, "first-plan"),
    Household("Crystal Begay", None, HF, "release-missing"),
    Household("Ivan Kuznetsov", None, TANF, "release-expiring"),
    Household("Latoya Harris", None, HF, "home-visit"),
    Household("Mohammed Rahman", None, HF, "dv-home-visit"),
    Household("Sarah Goldberg", None, TANF, "follow-up"),
    Household("José Martínez", "Pepe", HF, "follow-up-exited"),
    Household("Amara Diallo", None, SNAP, "referral"),
    Household("Kevin O'Brien", None, TANF, "manual"),
    Household("Yolanda Price", None, TANF, "ok"),
    Household("Ravi Sharma", None, SNAP, "ok"),
    Household("Destiny Brooks", None, HF, "ok"),
    Household("Héctor Morales", None, TANF, "ok-remote"),
    Household("Leilani Kahale", None, HF, "ok"),
    Household("Sofia Rossi", None, TANF, "ok-exempt"),
    Household("Omar Farouk", None, HF, "ok"),
]

PREFIX = {TANF: "TA", SNAP: "SN", HF: "HF"}

STREETS = ["NE Alberta St", "SE Division St", "N Lombard St", "SW Barbur Blvd", "NE Sandy Blvd", "SE Foster Rd",
           "N Interstate Ave", "NE Killingsworth St", "SE Powell Blvd", "NW Glisan St"]

# (method, text): the method recorded on the note matches what the text says happened.
CONTACT_TEXTS = [
    (ContactMethod.OFFICE, "Met with {name} in the office. Reviewed progress on the FSSP: {name} has applied to three "
     "warehouse positions this week and has an interview Thursday. Discussed bus pass for the interview; issued. "
     "Progress toward goals: on track."),
    (ContactMethod.PHONE, "Phone call with {name}. Childcare provider confirmed for the new schedule. {name} asked "
     "about the timesheet deadline; reminded that timesheets are due Fridays. Progress toward goals: steady."),
    (ContactMethod.OFFICE, "{name} came in to drop off paystubs for the last two weeks. Hours verified (paystub). "
     "Talked about asking the employer for more shifts. Progress toward goals: earning more, still below 40 hours."),
    (ContactMethod.TEXT, "Text exchange with {name}: confirmed the job-readiness class at Goodwill starts Monday at 9. "
     "{name} has transportation lined up. Progress toward goals: ready to start."),
    (ContactMethod.OTHER, "Met {name} at the library (neutral location, client's choice). Updated the resume together "
     "and practiced two interview questions. Progress toward goals: resume done; next step applications."),
]

HF_TEXTS = [
    (ContactMethod.HOME_VISIT, "Home visit with {name}. Apartment clean, fridge stocked; {name} reports sleeping "
     "better. Reviewed the lease renewal letter together. Progress toward goals: housing stable, budget on track."),
    (ContactMethod.OTHER, "Met {name} at the shelter. Went over the housing application for the Housing Authority; "
     "two documents still missing (birth certificate, income letter). Progress toward goals: application 80%."),
    (ContactMethod.PHONE, "Phone call with {name}. Attended the first appointment at the behavioral health clinic "
     "and plans to go back next week. Progress toward goals: engaged in treatment."),
    (ContactMethod.OFFICE, "Met with {name} in the office. Signed up for the SNAP recertification interview; "
     "discussed saving toward the deposit. Progress toward goals: $150 saved of $600."),
]


def _uid(case_number: str, n: int | str) -> str:
    """Deterministic note and appointment ids, so the same `today` gives the same demo (and export)."""
    return str(uuid.uuid5(UID_NAMESPACE, f"{case_number}/{n}"))


def is_empty(session: Session) -> bool:
    """True when the database holds no client yet."""
    return session.execute(sa.select(Client.id).limit(1)).first() is None


class _Builder:
    """Writes one household at a time; keeps the per-client note counter."""

    def __init__(self, session: Session, today: dt.date, cal: BusinessCalendar) -> None:
        self.s = session
        self.today = today
        self.cal = cal
        self.rng = random.Random(today.toordinal())
        self.note_counter: dict[str, int] = {}
        self.plans: list[tuple[Client, dt.date]] = []

    # -- dates --------------------------------------------------------------
    def bd(self, n: int) -> dt.date:
        """n business days from today (n < 0: before)."""
        return self.cal.add_business_days(self.today, n) if n else self.today

    def at(self, day: dt.date, hhmm: str) -> dt.datetime:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute))

    # -- rows ---------------------------------------------------------------
    def appt(self, client: Client, start: dt.datetime, kind: AppointmentKind, status: AppointmentStatus,
             minutes: int = 60, place: Place = Place.OFFICE, called: bool = False) -> Appointment:
        row = Appointment(client_id=client.id, start=start, minutes=minutes, kind=kind, place=place,
                          status=status, reminder_called=called,
                          uid=_uid(client.case_number, f"appointment/{start.isoformat()}/{kind.value}"))
        self.s.add(row)
        return row

    def note(self, client: Client, contact_at: dt.datetime, type_: NoteType, method: ContactMethod | None,
             outcome: ContactOutcome | None, text: str, minutes: int = 30, delay_hours: float = 1.5) -> Note:
        n = self.note_counter.get(client.case_number, 0) + 1
        self.note_counter[client.case_number] = n
        written = contact_at + dt.timedelta(hours=delay_hours)
        row = Note(uid=_uid(client.case_number, n), client_id=client.id, contact_at=contact_at, written_at=written,
                   type=type_, method=method, outcome=outcome, minutes=minutes, author=AUTHOR,
                   text=text.format(name=client.display_name), late_entry=delay_hours > 24)
        self.s.add(row)
        return row

    def contact_note(self, client: Client, contact_at: dt.datetime, method: ContactMethod | None = None) -> Note:
        """A reached contact; a given method (a home visit) picks a text that says so."""
        texts = HF_TEXTS if client.program == HF else CONTACT_TEXTS
        if method is not None:
            texts = [t for t in texts if t[0] == method] or [(method, HF_TEXTS[0][1])]
        method, text = texts[self.rng.randrange(len(texts))]
        type_ = NoteType.HOME_VISIT if method == ContactMethod.HOME_VISIT else NoteType.CONTACT
        return self.note(client, contact_at, type_, method, ContactOutcome.REACHED, text,
                         minutes=self.rng.choice([15, 30, 45, 60]))

    def hours_week(self, client: Client, week: dt.date, activity: Activity, hours: float) -> None:
        self.s.add(HoursEntry(client_id=client.id, week=week, activity=activity, hours=hours,
                              verified_by=self.rng.choice([VerifiedBy.PAYSTUB, VerifiedBy.TIMESHEET, VerifiedBy.EMPLOYER_CALL])))

    def plan(self, client: Client, reviewed: dt.date) -> None:
        """Queue a signed case plan; `write_plans` inserts them all with a few flushes."""
        self.plans.append((client, reviewed))

    def write_plans(self) -> None:
        plans = []
        for client, reviewed in self.plans:
            plans.append(CasePlan(client_id=client.id, reviewed_on=reviewed, signed_on=reviewed,
                                  services="Case management; bus passes; job readiness (Goodwill)",
                                  supports="Sister (childcare backup); church food pantry"))
        self.s.add_all(plans)
        self.s.flush()
        goals = []
        for (client, _), plan in zip(self.plans, plans):
            text = "Keep my apartment for the next 12 months" if client.program == HF else \
                "Find full-time work that pays enough to leave TANF"
            goals.append(Goal(plan_id=plan.id, position=0, text=text))
        self.s.add_all(goals)
        self.s.flush()
        objectives = []
        for (client, _), goal in zip(self.plans, goals):
            text = "Pay rent in full by the 5th of each month for the next 3 months" if client.program == HF else \
                "Apply to 5 jobs a week for the next 4 weeks and log them on the timesheet"
            objectives.append(Objective(goal_id=goal.id, position=0, text=text))
        self.s.add_all(objectives)
        self.s.flush()
        for (client, reviewed), objective in zip(self.plans, objectives):
            title = "Set up automatic rent payment with the bank" if client.program == HF else \
                "Update resume with the case manager"
            self.s.add(PlanTask(objective_id=objective.id, position=0, title=title, responsible=Responsible.CLIENT,
                                target_date=reviewed + dt.timedelta(days=21), status=TaskStatus.OPEN))

    def release(self, client: Client, party: str, signed: dt.date, expires: dt.date) -> None:
        self.s.add(Release(client_id=client.id, party=party, signed_on=signed, expires_on=expires))


def populate(session: Session, today: dt.date) -> None:
    """Write the demo caseload dated around `today` (the database should be empty)."""
    policy = load_policy()
    cal = calendar_for(tuple(sorted(policy.calendar.closure_days)))
    b = _Builder(session, today, cal)
    rng = b.rng
    T = today
    this_monday = monday_of(T)
    last_week = this_monday - dt.timedelta(days=7)
    hours_month = previous_month(verification_month(T, cal))

    clients: list[tuple[Client, Household]] = []
    for i, hh in enumerate(SCENARIOS):
        number = f"{PREFIX[hh.program]}-{10432 + i * 137}"
        birth = dt.date(1970 + (i * 7) % 35, 1 + i % 12, 1 + (i * 5) % 28)
        initial = T - dt.timedelta(days=120 + (i * 23) % 300)
        client = Client(
            case_number=number,
            legal_name=hh.legal,
            preferred_name=hh.preferred,
            birth_date=birth,
            phone=f"503-555-{142 + i * 17:04d}",
            email=(hh.legal.split()[0].lower() + f"{i}@example.org") if i % 3 else None,
            address=f"{1000 + i * 211} {STREETS[i % len(STREETS)]}, Portland OR",
            contact_preference=["text", "phone", "e-mail", "mail"][i % 4],
            program=hh.program,
            status=ClientStatus.OPEN,
            stage_of_change=list(StageOfChange)[i % 5],
            months_used=(i * 3) % 48 if hh.program != HF else 0,
            referral_date=initial - dt.timedelta(days=4),
            initial_contact_date=initial,
            first_interview_date=initial + dt.timedelta(days=5),
            plan_review_date=T + dt.timedelta(days=14 + (i * 3) % 30),
            two_parent=i % 9 == 4,
        )
        if hh.program == HF:
            client.shelter_entry_date = initial - dt.timedelta(days=2)
        session.add(client)
        clients.append((client, hh))
    session.flush()

    def healthy(client: Client, hh: Household, *, contact_days_ago: int = 3, plan_days_ago: int = 10,
                hours: bool = True, release: bool = True, plan: bool = True,
                home_visit: bool = True) -> None:
        """A household in good order: recent contact, plan, release, hours, past appointments noted."""
        last = T - dt.timedelta(days=contact_days_ago)
        method = ContactMethod.HOME_VISIT if client.program == HF and contact_days_ago % 2 else None
        for weeks_ago in (7, 4):
            day = T - dt.timedelta(days=7 * weeks_ago + 1)
            kind = AppointmentKind.FSSP if client.program != HF else AppointmentKind.CASE_PLAN_REVIEW
            b.appt(client, b.at(day, "10:00"), kind, AppointmentStatus.KEPT, called=True)
            b.contact_note(client, b.at(day, "10:05"))
        b.contact_note(client, b.at(last, "14:00"), method)
        if plan:
            b.plan(client, T - dt.timedelta(days=plan_days_ago))
        if release:
            b.release(client, "Housing Authority" if client.program == HF else "Employment Department",
                      T - dt.timedelta(days=100), T + dt.timedelta(days=265))
        if client.program == HF:
            b.s.add(Assessment(client_id=client.id, kind=AssessmentKind.VI_SPDAT, date=client.shelter_entry_date + dt.timedelta(days=3), score=9))
            b.s.add(Assessment(client_id=client.id, kind=AssessmentKind.SPDAT, date=client.shelter_entry_date + dt.timedelta(days=8), score=34))
        if client.program == HF and home_visit:
            # this month's home visit is booked (home-visits stays quiet)
            hv_day = b.bd(1 + client.id % 3)
            if hv_day.month == T.month:
                b.appt(client, b.at(hv_day, "11:00"), AppointmentKind.HOME_VISIT, AppointmentStatus.SCHEDULED, place=Place.HOME)
            else:  # late in the month: the visit already happened, and is noted
                hv_day = T - dt.timedelta(days=1 + client.id % 5)
                b.appt(client, b.at(hv_day, "11:00"), AppointmentKind.HOME_VISIT, AppointmentStatus.KEPT, place=Place.HOME, called=True)
                b.contact_note(client, b.at(hv_day, "11:05"), ContactMethod.HOME_VISIT)
        if client.program != HF and hours:
            required = client.exempt_hours if client.exempt_hours is not None else policy.participation.weekly_hours
            week = last_week
            for _ in range(20):
                b.hours_week(client, week, Activity.EMPLOYMENT if rng.random() < 0.6 else Activity.WORK_EXPERIENCE, required)
                week -= dt.timedelta(days=7)
        b.s.add(Referral(client_id=client.id, agency="Goodwill" if client.program != HF else "Cascadia Behavioral Health",
                         service="job readiness" if client.program != HF else "counseling",
                         referred_on=T - dt.timedelta(days=40), outcome="linked: attending"))

    for client, hh in clients:
        sc = hh.scenario
        if sc == "today-0830-plan-date":
            healthy(client, hh)
            client.plan_review_date = T  # plan-date: FSSP review due today, seen at 08:30
            b.appt(client, b.at(T, "08:30"), AppointmentKind.FSSP, AppointmentStatus.SCHEDULED, called=False)
        elif sc == "today-1000-called":
            healthy(client, hh)
            b.appt(client, b.at(T, "10:00"), AppointmentKind.EA, AppointmentStatus.SCHEDULED, called=True)
        elif sc == "today-1330-debrief":
            healthy(client, hh)
            b.appt(client, b.at(T, "13:30"), AppointmentKind.DEBRIEFING, AppointmentStatus.SCHEDULED, called=False)
        elif sc == "today-1500-initial":
            # a new Housing First referral: first interview booked this afternoon
            client.referral_date = T - dt.timedelta(days=6)
            client.initial_contact_date = T - dt.timedelta(days=4)
            client.first_interview_date = None
            client.shelter_entry_date = T - dt.timedelta(days=5)
            client.plan_review_date = None
            b.s.add(Assessment(client_id=client.id, kind=AssessmentKind.VI_SPDAT, date=T - dt.timedelta(days=3), score=11))
            b.s.add(Assessment(client_id=client.id, kind=AssessmentKind.SPDAT, date=T - dt.timedelta(days=1), score=38))
            b.note(client, b.at(T - dt.timedelta(days=4), "09:15"), NoteType.CONTACT, ContactMethod.PHONE,
                   ContactOutcome.REACHED, "Intake call with {name} (referred by the shelter). Booked the first interview.", 20)
            b.appt(client, b.at(T, "15:00"), AppointmentKind.INITIAL_INTERVIEW, AppointmentStatus.SCHEDULED, minutes=90)
        elif sc == "finish-note":
            healthy(client, hh, contact_days_ago=6)
            # finish-note: yesterday's (previous business day's) FSSP was kept, no note yet
            b.appt(client, b.at(b.bd(-1), "10:00"), AppointmentKind.FSSP, AppointmentStatus.KEPT, called=True)
        elif sc == "finish-note-old":
            healthy(client, hh, contact_days_ago=9)
            b.appt(client, b.at(b.bd(-3), "13:30"), AppointmentKind.CASE_PLAN_REVIEW, AppointmentStatus.KEPT, called=True)
        elif sc == "missed-activity":
            healthy(client, hh, contact_days_ago=12)
            # missed-activity + engagement: no-show on the previous business day, no contact since
            b.appt(client, b.at(b.bd(-1), "13:30"), AppointmentKind.DEBRIEFING, AppointmentStatus.NO_SHOW, called=True)
        elif sc == "engagement-attempts":
            healthy(client, hh, contact_days_ago=15)
            b.appt(client, b.at(b.bd(-3), "08:30"), AppointmentKind.FSSP, AppointmentStatus.NO_SHOW, called=True)
            b.note(client, b.at(b.bd(-2), "09:10"), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.NO_ANSWER,
                   "Called {name} about the missed FSSP appointment. No answer; voicemail full. Will send a letter.", 5)
        elif sc == "re-engagement":
            healthy(client, hh, contact_days_ago=25)
            b.appt(client, b.at(b.bd(-8), "10:00"), AppointmentKind.EA, AppointmentStatus.NO_SHOW, called=True)
            b.note(client, b.at(b.bd(-7), "11:00"), NoteType.LETTER, ContactMethod.LETTER, None,
                   "Mailed engagement letter to {name}: missed office visit, offered to meet at home or a neutral place; "
                   "asked to call 123-4567.", 15)
            b.note(client, b.at(b.bd(-5), "16:10"), NoteType.ENGAGEMENT, ContactMethod.PHONE, ContactOutcome.LEFT_MESSAGE,
                   "Called {name}; left a message asking to call back about participation and the letter sent.", 5)
        elif sc == "penalty":
            healthy(client, hh, contact_days_ago=20, hours=False)
            client.penalty_start = T - dt.timedelta(days=40)
            week = last_week
            for _ in range(10):
                b.hours_week(client, week, Activity.BARRIER_RESOLUTION, 6)
                week -= dt.timedelta(days=7)
        elif sc == "not-initialized":
            client.status = ClientStatus.NOT_INITIALIZED
            client.referral_date = T - dt.timedelta(days=5)
            client.initial_contact_date = T - dt.timedelta(days=3)
            client.first_interview_date = T - dt.timedelta(days=3)
            client.plan_review_date = None
            b.note(client, b.at(T - dt.timedelta(days=3), "10:30"), NoteType.CONTACT, ContactMethod.OFFICE,
                   ContactOutcome.REACHED, "Walk-in. {name} transferred from another county; case shows not initialized.", 30)
        elif sc == "work-verification":
            healthy(client, hh, hours=False)
            # hours entered up to the month before the month being verified
            week = monday_of(hours_month) - dt.timedelta(days=7)
            for _ in range(12):
                b.hours_week(client, week, Activity.EMPLOYMENT, 40)
                week -= dt.timedelta(days=7)
        elif sc == "close-case":
            healthy(client, hh)
            client.close_pending = True
            client.plan_review_date = None
        elif sc == "childcare":
            healthy(client, hh)
            client.needs_childcare = True
        elif sc == "participation":
            healthy(client, hh, contact_days_ago=(T - this_monday).days + 3, hours=False)
            week = last_week
            for n in range(12):
                b.hours_week(client, week, Activity.EMPLOYMENT, 24 if n == 0 else 40)
                week -= dt.timedelta(days=7)
        elif sc == "participation-exempt":
            client.exempt_hours = 20
            healthy(client, hh, contact_days_ago=(T - this_monday).days + 4, hours=False)
            week = last_week
            for n in range(12):
                b.hours_week(client, week, Activity.EDUCATION, 12 if n == 0 else 20)
                week -= dt.timedelta(days=7)
        elif sc in ("work-search-warn", "work-search-limit"):
            healthy(client, hh, hours=False)
            weeks = 10 if sc == "work-search-warn" else 12
            week = last_week
            for n in range(20):
                if n < weeks:
                    b.hours_week(client, week, Activity.WORK_SEARCH, 25)
                    b.hours_week(client, week, Activity.WORK_EXPERIENCE, 15)
                else:
                    b.hours_week(client, week, Activity.EMPLOYMENT, 40)
                week -= dt.timedelta(days=7)
        elif sc == "initial-interview-late":
            client.referral_date = T - dt.timedelta(days=16)
            client.initial_contact_date = T - dt.timedelta(days=12)
            client.first_interview_date = None
            client.shelter_entry_date = None
            client.plan_review_date = None
            b.note(client, b.at(T - dt.timedelta(days=12), "13:00"), NoteType.CONTACT, ContactMethod.PHONE,
                   ContactOutcome.REACHED, "First call with {name}, referred by Coordinated Entry. Could not agree on a time yet.", 15)
            b.release(client, "Coordinated Entry", T - dt.timedelta(days=12), T + dt.timedelta(days=353))
        elif sc == "initial-interview-new":
            client.referral_date = T - dt.timedelta(days=2)
            client.initial_contact_date = None
            client.first_interview_date = None
            client.shelter_entry_date = None
            client.plan_review_date = None
        elif sc == "vi-spdat":
            healthy(client, hh)
            client.shelter_entry_date = T - dt.timedelta(days=9)
        elif sc == "spdat":
            healthy(client, hh)
            client.shelter_entry_date = T - dt.timedelta(days=6)
            b.s.add(Assessment(client_id=client.id, kind=AssessmentKind.VI_SPDAT, date=T - dt.timedelta(days=4), score=7))
        elif sc == "plan-review":
            healthy(client, hh, plan_days_ago=36)
        elif sc == "first-plan":
            healthy(client, hh, plan=False)
        elif sc == "release-missing":
            healthy(client, hh, release=False)
        elif sc == "release-expiring":
            healthy(client, hh)
            b.release(client, "Multnomah County Health", T - dt.timedelta(days=353), T + dt.timedelta(days=12))
        elif sc == "home-visit":
            healthy(client, hh, home_visit=False)  # this month's home visit not booked yet
        elif sc == "dv-home-visit":
            client.dv_in_home = True  # no home visits, ever (004): home-visits stays quiet
            healthy(client, hh, home_visit=False)
            # dv-home-visit: a home visit booked before the flag was set, to be moved to the office
            b.appt(client, b.at(b.bd(2), "11:00"), AppointmentKind.HOME_VISIT, AppointmentStatus.SCHEDULED, place=Place.HOME)
        elif sc == "follow-up":
            client.follow_up_days = policy.follow_up.default_days
            healthy(client, hh, contact_days_ago=policy.follow_up.default_days + 5)
        elif sc == "follow-up-exited":
            healthy(client, hh, contact_days_ago=45, home_visit=False)
            client.status = ClientStatus.CLOSED
            client.exit_date = T - dt.timedelta(days=40)
            client.exit_reason = ExitReason.HOUSED
            client.follow_up_permission = True
            client.follow_up_days = 30
        elif sc == "referral":
            healthy(client, hh)
            b.s.add(Referral(client_id=client.id, agency="Worksystems Inc.", service="forklift certification",
                             referred_on=T - dt.timedelta(days=policy.referral.outcome_within_days + 2)))
            b.s.add(Referral(client_id=client.id, agency="Oregon Food Bank", service="food box",
                             referred_on=T - dt.timedelta(days=2)))
        elif sc == "manual":
            healthy(client, hh)
            b.s.add(ManualTask(client_id=client.id, title="Mail bus tickets for the job fair", due=T - dt.timedelta(days=2), priority=1))
            # A note started yesterday afternoon and never saved (rule "draft").
            started = b.at(T - dt.timedelta(days=1), "16:20")
            b.s.add(NoteDraft(client_id=client.id, updated_at=started, text="Called about the job fair; ",
                              fields_json=json.dumps({"type": "contact", "method": "phone", "contact_date": f"{started:%Y-%m-%d}",
                                                      "contact_time": "16:10"}, sort_keys=True)))
        elif sc == "ok-remote":
            client.remote = True
            healthy(client, hh)
        elif sc == "ok-exempt":
            client.exempt_hours = 20
            healthy(client, hh)
        else:
            healthy(client, hh)

    # Some upcoming appointments, so the week looks like a week.
    upcoming = [c for c, hh in clients if hh.scenario.startswith("ok") or hh.scenario in ("childcare", "plan-review")]
    slots = ["08:30", "10:00", "13:30", "15:00"]
    for n, client in enumerate(upcoming):
        day = b.bd(1 + n % 4)
        kind = AppointmentKind.FSSP if client.program != HF else AppointmentKind.CASE_PLAN_REVIEW
        b.appt(client, b.at(day, slots[n % 4]), kind, AppointmentStatus.SCHEDULED)

    b.write_plans()

    # Caseload-wide manual tasks.
    session.add(ManualTask(client_id=None, title="Staff meeting: bring the monthly participation report", due=T, priority=2))
    session.add(ManualTask(client_id=None, title="Complete the new-hire training video (1 Topic)", due=T + dt.timedelta(days=3), priority=3))
    session.flush()

    # HUD HMIS: the organization, two projects, enrollments and data elements (caseterm/hmis/demo.py).
    from caseterm.hmis import demo as hmis_demo

    hmis_demo.populate(session, T, [c for c, _ in clients])
