"""Generate seeded, reproducible caseterm databases for the benchmarks.

    python benchmarks/generate.py                 # every size that is missing
    python benchmarks/generate.py 150 10000       # just these sizes
    python benchmarks/generate.py search          # the 1,000,000-note database
    python benchmarks/generate.py --force 150     # rebuild even if present

Databases go to benchmarks/data/ (git-ignored): clients-150.db, clients-2000.db,
clients-10000.db and notes-1m.db. The schema comes from caseterm's own
migrations (`store.open_store`), then rows are bulk-inserted with sqlite3
`executemany` in one transaction — the interchange import validates every row
and would take minutes at these sizes.

Everything is dated around a pinned day (TODAY below, pass `--today` to the app
when benchmarking) so the due list, agenda and "last contact" columns look like
a real morning: appointments in the past two months and the next month,
today's schedule, weekly hours for the work-search window, case plans with
tasks, releases expiring soon, referrals, manual tasks and dismissed due items.

Note text is drawn from a case-management vocabulary with a Zipf-like word
distribution, so full-text search hits many notes for common words ("housing",
"rent") and few for rare ones (a landlord's name), as in real data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

#: The day every benchmark pins with --today / CASETERM_TODAY (a Tuesday).
TODAY = dt.date(2026, 3, 10)
SEED = 20260310
NOTES_PER_CLIENT = 25
SIZES = (150, 2_000, 10_000)
SEARCH_NOTES = 1_000_000
#: The search database: 40,000 clients x 25 notes = 1,000,000 notes.
SEARCH_CLIENTS = SEARCH_NOTES // NOTES_PER_CLIENT


def db_path(clients: int) -> Path:
    return DATA / f"clients-{clients}.db"


def search_db_path() -> Path:
    return DATA / "notes-1m.db"


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

FIRST = (
    "Maria James Aisha Robert Linda Michael Keisha David Jennifer Carlos Tanya Joseph Ashley "
    "Daniel Jasmine Christopher Brittany Anthony Destiny Kevin Latoya Brian Monique Jose Amber "
    "Marcus Crystal Luis Tiffany Andre Shaniqua Terrence Rosa Darnell Yolanda Victor Kimberly "
    "Hector Denise Jamal Priya Omar Fatima Nguyen Mei Dmitri Olga Samuel Grace Isaiah Naomi"
).split()
LAST = (
    "Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez "
    "Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores "
    "Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Okafor Kowalski Haddad"
).split()
STREETS = "Oak Maple Cedar Pine Elm Washington Lincoln Park Lake Hill Main Church Mill River".split()
AGENCIES = [
    ("Community Food Bank", "food"),
    ("Legal Aid Society", "eviction defense"),
    ("County Mental Health", "counselling"),
    ("Workforce Center", "job training"),
    ("Head Start", "childcare"),
    ("Goodwill Career Services", "resume help"),
    ("Salvation Army", "utility assistance"),
    ("Housing Authority", "housing voucher"),
    ("Family Health Clinic", "medical"),
    ("Recovery Services", "substance use treatment"),
    ("Adult Education Center", "GED classes"),
    ("Domestic Violence Shelter", "safety planning"),
]
PARTIES = ["Housing Authority", "County Mental Health", "Workforce Center", "Head Start",
           "Family Health Clinic", "Legal Aid Society", "Landlord", "School district"]
LANDLORDS = ("Hartwell Okonkwo Brandywine Castellano Pemberton Vasquez-Reilly Lindqvist "
             "Abernathy Ferraro Whitcombe Delacroix Tranh").split()
EMPLOYERS = ("Walmart Target Kroger McDonald's Amazon Home Depot Dollar General Starbucks "
             "Marriott Sysco FedEx Walgreens CVS Lowe's Aramark").split()

#: Sentence templates, common first. {x} slots are filled from the lists below.
SENTENCES = [
    "Client reported {status_phrase}.",
    "Discussed {topic} and next steps toward {goal}.",
    "Client is working on {goal} and has {progress}.",
    "CM called client {outcome_phrase}.",
    "Reviewed the case plan with client; {progress}.",
    "Client needs help with {topic}.",
    "CM explained {program_rule} and client said they understood.",
    "Client stated that {barrier} is making it hard to {activity}.",
    "CM provided {resource} and a referral to {agency}.",
    "Client brought {document} for verification of {verify}.",
    "Landlord {landlord} called about {landlord_issue}.",
    "Client applied at {employer} on {weekday} and is waiting to hear back.",
    "Client attended {class_name} this week and completed {hours} hours.",
    "Children are {children_status}; childcare at {childcare} is {childcare_status}.",
    "CM will follow up on {followup} by {weekday}.",
    "Client was {mood} during the visit and engaged well.",
    "Home visit: apartment {home_state}; {home_detail}.",
    "Client missed the appointment on {weekday}; CM sent an engagement letter.",
    "Safety plan reviewed; client {safety}.",
    "Client has {months} months of TANF remaining and is aware of the time limit.",
]
FILL = {
    "status_phrase": [
        "no change in income", "a new job offer", "losing hours at work", "a medical appointment next week",
        "problems with transportation", "that the car broke down", "an eviction notice", "a rent increase",
        "finding an apartment", "a court date for custody", "a new baby due in the spring",
        "that the utility shutoff was stopped",
    ],
    "topic": [
        "housing search", "rent arrears", "utility bills", "childcare", "transportation", "budgeting",
        "employment", "the work search log", "GED enrollment", "medical coverage", "food stamps",
        "the housing voucher", "credit repair", "the security deposit", "bus passes",
    ],
    "goal": [
        "stable housing", "full time employment", "a GED", "a driver's license", "paying off arrears",
        "moving into a two bedroom unit", "getting a car", "finishing CNA training", "saving for a deposit",
    ],
    "progress": [
        "completed two tasks", "made good progress", "not started the tasks yet", "finished the application",
        "turned in the paperwork", "submitted three applications", "saved $200 toward the deposit",
    ],
    "outcome_phrase": [
        "and left a voicemail", "and there was no answer", "and client answered", "but the number was disconnected",
        "and scheduled a home visit", "to remind them about tomorrow's appointment", "and sent a text",
    ],
    "program_rule": [
        "the 30 hour participation requirement", "the sanction process", "good cause", "the work search log",
        "the 60 month time limit", "how hours are verified", "the re-engagement staffing",
    ],
    "barrier": [
        "lack of childcare", "no transportation", "a health condition", "depression", "a past eviction",
        "a criminal record", "limited English", "the bus schedule", "caring for a parent", "domestic violence",
    ],
    "activity": [
        "attend classes", "keep a job", "search for work", "make appointments", "look at apartments", "pay rent",
    ],
    "resource": [
        "a bus pass", "a food box", "the apartment list", "a gas card", "a resume template", "diapers",
        "a clothing voucher", "the shelter list", "a phone card",
    ],
    "agency": [a for a, _ in AGENCIES],
    "document": ["paystubs", "a timesheet", "a lease", "a birth certificate", "an ID card", "a doctor's note",
                 "a utility bill", "school records", "a court letter"],
    "verify": ["hours", "income", "residence", "identity", "good cause", "school enrollment"],
    "landlord": LANDLORDS,
    "landlord_issue": ["late rent", "a lease renewal", "a maintenance request", "the inspection", "noise complaints",
                       "the security deposit", "a move-out date"],
    "employer": EMPLOYERS,
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "class_name": ["GED class", "job readiness", "CNA training", "ESL class", "parenting class", "financial literacy"],
    "hours": ["6", "8", "10", "12", "15", "20"],
    "children_status": ["doing well in school", "sick this week", "staying with grandmother", "enrolled in Head Start"],
    "childcare": ["Head Start", "the YMCA", "a neighbor", "Little Stars daycare"],
    "childcare_status": ["approved", "pending", "on a waitlist", "too far away"],
    "followup": ["the childcare subsidy", "the housing application", "the referral", "the hours verification",
                 "the medical form", "the landlord's letter"],
    "mood": ["upbeat", "tired", "anxious", "frustrated", "calm", "tearful", "hopeful"],
    "home_state": ["clean and safe", "crowded", "in need of repairs", "without heat", "well kept"],
    "home_detail": ["no concerns noted", "mold in the bathroom", "smoke detector missing", "children present",
                    "new furniture from the donation center"],
    "safety": ["feels safe at this time", "has a protective order", "moved to the shelter", "declined services"],
    "months": ["12", "18", "24", "30", "36", "41", "48", "55"],
}
SENTENCE_WEIGHTS = [1.0 / (i + 1) ** 0.8 for i in range(len(SENTENCES))]


def zipf_choice(rng: random.Random, items: list[str]) -> str:
    """A Zipf-ish pick: the first items much more often than the last."""
    n = len(items)
    i = min(int(rng.paretovariate(1.2)) - 1, n - 1)
    return items[i]


def note_text(rng: random.Random) -> str:
    parts = []
    for template in rng.choices(SENTENCES, SENTENCE_WEIGHTS, k=rng.randint(2, 6)):
        out = template
        while "{" in out:
            start = out.index("{")
            end = out.index("}", start)
            key = out[start + 1 : end]
            out = out[:start] + zipf_choice(rng, FILL[key]) + out[end + 1 :]
        parts.append(out)
    return " ".join(parts)


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------

NOTE_TYPES = ["contact", "engagement", "home_visit", "case_plan", "collateral", "assessment",
              "case_conference", "letter", "re_engagement_staffing", "good_cause"]
NOTE_TYPE_WEIGHTS = [40, 20, 10, 8, 8, 4, 3, 4, 2, 1]
METHODS = ["phone", "text", "email", "letter", "home_visit", "office", "other"]
METHOD_WEIGHTS = [35, 15, 5, 5, 10, 28, 2]
OUTCOMES = ["reached", "no_answer", "left_message", "returned_mail"]
OUTCOME_WEIGHTS = [70, 12, 15, 3]
STATUSES = ["open", "not_initialized", "pended", "closed", "denied"]
STATUS_WEIGHTS = [72, 8, 6, 11, 3]
APPT_KINDS = ["ea", "fssp", "debriefing", "initial_interview", "home_visit", "case_plan_review",
              "re_engagement_staffing", "case_conference", "other"]
APPT_KIND_WEIGHTS = [20, 15, 5, 5, 20, 15, 3, 2, 15]
ACTIVITIES = ["employment", "work_search", "work_experience", "education", "barrier_resolution"]
STAGES = ["precontemplation", "contemplation", "preparation", "action", "maintenance"]


def _d(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _ts(when: dt.datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format.
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _business_time(rng: random.Random, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))))


class Builder:
    """Accumulates rows for every table, ids assigned here (one pass, no lookups)."""

    def __init__(self, seed: int, clients: int, notes_per_client: int, light: bool = False) -> None:
        self.rng = random.Random(seed)
        self.n_clients = clients
        self.notes_per_client = notes_per_client
        self.light = light  # the search DB: notes only matter
        self.rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
        self.ids: dict[str, int] = {t: 0 for t in TABLES}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def build(self) -> None:
        for i in range(1, self.n_clients + 1):
            self.client(i)

    def client(self, n: int) -> None:
        rng = self.rng
        cid = self.next_id("client")
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        referral = TODAY - dt.timedelta(days=rng.randint(3, 700))
        initial = referral + dt.timedelta(days=rng.randint(1, 6)) if status != "not_initialized" else None
        interview = initial + dt.timedelta(days=rng.randint(0, 10)) if initial else None
        exit_date = exit_reason = None
        self.shelter_entry = referral - dt.timedelta(days=rng.randint(0, 30)) if rng.random() < 0.5 else None
        if status == "closed":
            exit_date = TODAY - dt.timedelta(days=rng.randint(1, 200))
            exit_reason = rng.choice(["housed", "left_voluntarily", "left_without_notice", "other"])
        self.rows["client"].append((
            cid, f"C{n:06d}", f"{first} {last}",
            rng.choice([first[:3] if len(first) > 4 else None, None, None, None]),
            _d(dt.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))),
            f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            f"{first.lower()}.{last.lower()}{n}@example.org" if rng.random() < 0.6 else None,
            f"{rng.randint(10, 9999)} {rng.choice(STREETS)} St",
            rng.choice(["phone", "text", "email", None]),
            "TANF", status,
            int(status == "open" and rng.random() < 0.03),
            rng.choice([20.0, 10.0]) if rng.random() < 0.05 else None,
            _d(TODAY - dt.timedelta(days=rng.randint(1, 60))) if rng.random() < 0.05 else None,
            int(rng.random() < 0.15), int(rng.random() < 0.12), int(rng.random() < 0.04),
            int(rng.random() < 0.03),
            rng.choice(STAGES) if rng.random() < 0.7 else None,
            rng.randint(0, 58),
            rng.choice([None, None, 30, 60, 90]),
            int(rng.random() < 0.4),
            _d(TODAY + dt.timedelta(days=rng.randint(-20, 150))) if status in ("open", "pended") else None,
            _d(referral), _d(initial), _d(interview),
            _d(self.shelter_entry), _d(exit_date), exit_reason,
        ))
        kept = [] if self.light else self.appointments(cid, status)
        self.notes(cid, referral, status, kept)
        if self.light:
            return
        if status in ("open", "pended"):
            self.hours(cid)
            self.plan(cid)
        entry = self.shelter_entry
        if entry is not None and rng.random() < 0.92:
            vi = entry + dt.timedelta(days=rng.randint(0, 6))
            self.rows["assessment"].append((self.next_id("assessment"), cid, "vi_spdat", _d(vi), rng.randint(0, 17)))
            if rng.random() < 0.9:
                self.rows["assessment"].append((
                    self.next_id("assessment"), cid, "spdat", _d(vi + dt.timedelta(days=rng.randint(0, 6))), rng.randint(0, 60),
                ))
        if rng.random() < 0.3:
            self.rows["assessment"].append((
                self.next_id("assessment"), cid, rng.choice(["hud", "front_door"]),
                _d(referral + dt.timedelta(days=rng.randint(0, 60))), rng.randint(0, 17),
            ))
        for party in rng.sample(PARTIES, rng.randint(1, 3)):
            signed = TODAY - dt.timedelta(days=rng.randint(10, 360))
            self.rows["release"].append((
                self.next_id("release"), cid, party, _d(signed), _d(signed + dt.timedelta(days=365)),
            ))
        for agency, service in rng.sample(AGENCIES, rng.randint(0, 3)):
            referred = TODAY - dt.timedelta(days=rng.randint(0, 300))
            pending = (TODAY - referred).days <= 10 or rng.random() < 0.05
            self.rows["referral"].append((
                self.next_id("referral"), cid, agency, service, _d(referred),
                None if pending else rng.choice(["enrolled", "declined", "waitlisted", "completed"]),
            ))
        if rng.random() < 0.1:
            self.rows["task"].append((
                self.next_id("task"), cid, rng.choice(["Call landlord", "Mail verification form",
                                                       "Check childcare subsidy", "Request records"]),
                _d(TODAY + dt.timedelta(days=rng.randint(-5, 14))), rng.randint(1, 3), int(rng.random() < 0.3),
            ))
        if rng.random() < 0.05:
            self.rows["notedraft"].append((
                self.next_id("notedraft"), cid, None, "{}", note_text(rng),
                _ts(dt.datetime.combine(TODAY, dt.time(9)) - dt.timedelta(hours=rng.randint(1, 72))),
            ))

    def notes(self, cid: int, referral: dt.date, status: str, kept: list[dt.datetime]) -> None:
        """About 25 notes; a kept appointment is documented the same day (most of the time)."""
        rng = self.rng
        span = max((TODAY - referral).days, 1)
        count = max(1, int(rng.gauss(self.notes_per_client, self.notes_per_client / 5)))
        if self.light:
            count = self.notes_per_client
        documented = [when + dt.timedelta(minutes=10) for when in kept if rng.random() < 0.93]
        contacts = [
            _business_time(rng, referral + dt.timedelta(days=rng.randint(0, span)))
            for _ in range(max(count - len(documented), 0))
        ]
        contacts = sorted(
            (c if c.date() <= TODAY else _business_time(rng, TODAY - dt.timedelta(days=3))) for c in contacts + documented
        )
        prev_ids: list[int] = []
        for contact in contacts:
            late = rng.random() < 0.06
            written = contact + (dt.timedelta(hours=rng.randint(25, 96)) if late else dt.timedelta(minutes=rng.randint(5, 240)))
            ntype = rng.choices(NOTE_TYPES, NOTE_TYPE_WEIGHTS)[0]
            method = outcome = None
            if ntype in ("contact", "engagement", "home_visit", "letter"):
                method = "letter" if ntype == "letter" else ("home_visit" if ntype == "home_visit" else rng.choices(METHODS, METHOD_WEIGHTS)[0])
                outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] if ntype != "home_visit" else "reached"
            amends = None
            if prev_ids and rng.random() < 0.01:
                amends = prev_ids.pop(rng.randrange(len(prev_ids)))  # amend each note at most once
            nid = self.next_id("note")
            self.rows["note"].append((
                nid, self.uid(), cid, _ts(contact), _ts(written), ntype, method, outcome,
                rng.choice([None, 15, 30, 45, 60]), rng.choice(["cm.jones", "cm.patel", "cm.garcia"]),
                note_text(rng), int(late), amends,
            ))
            prev_ids.append(nid)

    def appointments(self, cid: int, status: str) -> list[dt.datetime]:
        """Appointments in the past two months and the next one; returns the kept ones' starts."""
        rng = self.rng
        kept: list[dt.datetime] = []
        active = status in ("open", "pended", "not_initialized")
        for _ in range(rng.randint(2, 8) if active else rng.randint(0, 3)):
            offset = rng.randint(-60, 30 if active else -1)
            start = _business_time(rng, TODAY + dt.timedelta(days=offset))
            if start.date() < TODAY:
                st = rng.choices(["kept", "no_show", "cancelled", "rescheduled"], [75, 12, 8, 5])[0]
                if st == "kept":
                    kept.append(start)
            else:
                st = "scheduled"
            self.rows["appointment"].append((
                self.next_id("appointment"), cid, _ts(start), rng.choice([30, 45, 60, 60, 90]),
                rng.choices(APPT_KINDS, APPT_KIND_WEIGHTS)[0], rng.choice(["office", "office", "home", "phone", "neutral"]),
                st, int(st == "scheduled" and rng.random() < 0.3),
            ))
        # A realistic day: about 6 appointments today per 150 clients.
        if active and rng.random() < 0.05:
            start = dt.datetime.combine(TODAY, dt.time(rng.randint(8, 16), rng.choice((0, 30))))
            self.rows["appointment"].append((
                self.next_id("appointment"), cid, _ts(start), 60, rng.choices(APPT_KINDS, APPT_KIND_WEIGHTS)[0],
                "office", "scheduled", 0,
            ))
        return kept

    def hours(self, cid: int) -> None:
        rng = self.rng
        week = _monday(TODAY)
        for k in range(1, 9):
            monday = week - dt.timedelta(weeks=k)
            compliant = rng.random() < 0.85  # most weeks meet the required hours
            for j, activity in enumerate(rng.sample(ACTIVITIES, 2)):
                if compliant:
                    amount = rng.choice([20, 25, 30]) if j == 0 else rng.choice([10, 15, 20])
                else:
                    amount = rng.choice([0, 5, 10, 15])
                self.rows["hours"].append((
                    self.next_id("hours"), cid, _d(monday), activity, float(amount),
                    rng.choice(["paystub", "timesheet", "employer_call"]) if rng.random() < 0.9 else None,
                ))

    def plan(self, cid: int) -> None:
        rng = self.rng
        pid = self.next_id("caseplan")
        reviewed = TODAY - dt.timedelta(days=rng.randint(1, 29) if rng.random() < 0.85 else rng.randint(30, 90))
        self.rows["caseplan"].append((pid, cid, _d(reviewed), _d(reviewed), "case management", "family"))
        for gpos, goal in enumerate(rng.sample(FILL["goal"], 2)):
            gid = self.next_id("goal")
            self.rows["goal"].append((gid, pid, gpos, goal.capitalize()))
            for opos in range(2):
                oid = self.next_id("objective")
                self.rows["objective"].append((oid, gid, opos, f"Complete step {opos + 1} toward {goal} within 30 days"))
                for tpos in range(2):
                    self.rows["plantask"].append((
                        self.next_id("plantask"), oid, tpos,
                        rng.choice(["Submit application", "Call agency", "Bring paystubs", "Attend class", "Visit unit"]),
                        rng.choice(["client", "client", "case_manager", "provider"]),
                        _d(TODAY + dt.timedelta(days=rng.randint(-20, 40))),
                        rng.choices(["open", "done", "dropped"], [60, 35, 5])[0],
                    ))


#: table -> columns, in the order Builder appends values.
TABLES: dict[str, tuple[str, ...]] = {
    "client": ("id", "case_number", "legal_name", "preferred_name", "birth_date", "phone", "email", "address",
               "contact_preference", "program", "status", "close_pending", "exempt_hours", "penalty_start",
               "two_parent", "needs_childcare", "remote", "dv_in_home", "stage_of_change", "months_used",
               "follow_up_days", "follow_up_permission", "plan_review_date", "referral_date",
               "initial_contact_date", "first_interview_date", "shelter_entry_date", "exit_date", "exit_reason"),
    "note": ("id", "uid", "client_id", "contact_at", "written_at", "type", "method", "outcome", "minutes",
             "author", "text", "late_entry", "amends_id"),
    "appointment": ("id", "client_id", "start", "minutes", "kind", "place", "status", "reminder_called"),
    "hours": ("id", "client_id", "week", "activity", "hours", "verified_by"),
    "caseplan": ("id", "client_id", "reviewed_on", "signed_on", "services", "supports"),
    "goal": ("id", "plan_id", "position", "text"),
    "objective": ("id", "goal_id", "position", "text"),
    "plantask": ("id", "objective_id", "position", "title", "responsible", "target_date", "status"),
    "assessment": ("id", "client_id", "kind", "date", "score"),
    "release": ("id", "client_id", "party", "signed_on", "expires_on"),
    "referral": ("id", "client_id", "agency", "service", "referred_on", "outcome"),
    "task": ("id", "client_id", "title", "due", "priority", "done"),
    "notedraft": ("id", "client_id", "amends_id", "fields_json", "text", "updated_at"),
}

FTS_TRIGGER = """CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN
        INSERT INTO note_fts(rowid, text) VALUES (new.id, new.text);
    END"""


def create_schema(path: Path) -> None:
    """An empty database at the head revision, made by caseterm's own code."""
    from caseterm.store import open_store

    engine = open_store(f"sqlite:///{path}")
    engine.dispose()


def write(path: Path, builder: Builder, fts: str = "rebuild") -> None:
    """Insert every row in one transaction; the FTS index by trigger or one rebuild."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    con.execute("BEGIN")
    #: each full-text index and its trigger: rebuilt once after the bulk insert
    indexes = [
        (name, row[0])
        for name in ("note_fts", "note_words")
        if (row := con.execute(
            "SELECT sql FROM sqlite_master WHERE type='trigger' AND name=?", (f"{name}_insert",)
        ).fetchone())
    ]
    if fts == "rebuild":
        for name, _sql in indexes:
            con.execute(f"DROP TRIGGER {name}_insert")
    for table, columns in TABLES.items():
        rows = builder.rows[table]
        if not rows:
            continue
        marks = ",".join("?" * len(columns))
        con.executemany(f'INSERT INTO "{table}" ({",".join(columns)}) VALUES ({marks})', rows)
    if fts == "rebuild":
        for name, trigger_sql in indexes:
            con.execute(f"INSERT INTO {name}({name}) VALUES('rebuild')")
            con.execute(trigger_sql)
    con.execute("COMMIT")
    for name, _sql in indexes:
        con.execute(f"INSERT INTO {name}({name}) VALUES('optimize')")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def generate(path: Path, clients: int, notes_per_client: int = NOTES_PER_CLIENT, light: bool = False,
             fts: str = "rebuild", seed: int = SEED) -> Path:
    t0 = time.perf_counter()
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.db")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    create_schema(tmp)
    builder = Builder(seed + clients, clients, notes_per_client, light=light)
    builder.build()
    t1 = time.perf_counter()
    write(tmp, builder, fts=fts)
    for p in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    tmp.replace(path)
    counts = ", ".join(f"{len(v):,} {k}" for k, v in builder.rows.items() if v)
    print(f"{path.name}: {counts} (build {t1 - t0:.1f}s, write {time.perf_counter() - t1:.1f}s)", file=sys.stderr)
    return path


def ensure(clients: int | None = None, search: bool = False) -> Path:
    """The database for `clients` (or the search one), generated if missing."""
    if search:
        path = search_db_path()
        if not path.exists():
            generate(path, SEARCH_CLIENTS, light=True)
        return path
    assert clients is not None
    path = db_path(clients)
    if not path.exists():
        generate(path, clients)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="*", help="client counts (150 2000 10000) and/or 'search'; default all")
    parser.add_argument("--force", action="store_true", help="regenerate even if the file exists")
    parser.add_argument("--fts", choices=("rebuild", "trigger"), default="rebuild",
                        help="build the FTS index with one rebuild (default) or the per-row trigger")
    parser.add_argument("--out", type=Path, help="write a single database here instead (one size only)")
    args = parser.parse_args(argv)
    wanted = args.what or [str(n) for n in SIZES] + ["search"]
    for item in wanted:
        search = item == "search"
        path = args.out or (search_db_path() if search else db_path(int(item)))
        if path.exists() and not args.force:
            print(f"{path.name}: exists (use --force to rebuild)", file=sys.stderr)
            continue
        if search:
            generate(path, SEARCH_CLIENTS, light=True, fts=args.fts)
        else:
            generate(path, int(item), fts=args.fts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
