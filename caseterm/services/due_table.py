"""The due list, stored (issue 25): the per-client rules' items kept in `due_item`.

What is kept: for each client, the items of every per-client rule but `draft`
(`STORED_RULES`), with the day and policy they were computed for (`due_client`).
What is not: the caseload-wide items, manual tasks of no client and unsaved
drafts (`READ_RULES`); they are few, and in agency mode they depend on who
reads (a draft is its author's, a caseload-wide task its owner's), so they are
computed when the list is read.

When it is brought up to date:
- a write to a client's records: triggers (migration 0010) mark the client in
  `due_stale`, whatever wrote it; before the transaction commits, the session
  hook (`install`) recomputes the marked clients and clears the marks, so the
  table changes in the same transaction as the records;
- a new day or another policy (its fingerprint: the parsed policy, the rule
  code, the holidays package): the clients whose stamp is not today's, on the
  next read (the app's start-up, `caseterm agenda`); a date-driven item is
  recomputed once when its day arrives, not on every read;
- a mark left behind (a writer without the hook): on the next read.

Rules stay pure: the rows are the output of the same `compute_due` rules over
the same snapshot loader (`services.due._load_snapshot`) restricted to the
clients being stored; a property test holds the stored list equal to a full
recomputation after random edits, a new day and a policy change.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from caseterm import clock
from caseterm.errors import BadInput
from caseterm.policy import Policy, load_policy
from caseterm.rules.calendar import _holidays_version  # the holiday cache's key: the same version
from caseterm.rules.engine import CASELOAD_WIDE_RULES, DueItem, Priority, RoutineGroup, load_rules
from caseterm.rules.snapshot import ACTIVE_STATUSES, Snapshot, TaskSnap
from caseterm.services import due
from caseterm.vocabulary import DueAction

#: Rules computed when the list is read (see the module docstring); every other rule is stored.
READ_RULES = frozenset(CASELOAD_WIDE_RULES | {"draft", "manual"})
#: `manual` is both: a client's tasks are stored with the client, tasks of no client are read.
_NOT_STORED = frozenset(CASELOAD_WIDE_RULES | {"draft"})

_COLUMNS = ("client_id", "rule", "subject", "case_number", "title", "why", "source", "due", "overdue",
            "priority", "grp", "occurrence", "target", "at", "seq")

Entry = tuple[tuple, str, DueItem]  # (order key, item key, item)


def _first(entry: tuple) -> tuple:
    return entry[0]


def stored_rule_ids() -> tuple[str, ...]:
    return tuple(rid for rid in load_rules() if rid not in _NOT_STORED)


def _rule_index() -> dict[str, int]:
    return {rid: n for n, rid in enumerate(load_rules())}


def _order(item: DueItem, rule_index: int, seq: int) -> tuple:
    """The display order, ties broken as a full `compute_due` breaks them (registry order, then each
    rule's own order): equal sort keys only happen within one client (the case number is in the key)."""
    return (*item.sort_key(), rule_index, seq)


def _wanted_sql() -> str:
    active = ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES)
    return f"(status IN ({active}) OR close_pending OR follow_up_permission)"


# --------------------------------------------------------------------------
# The policy's fingerprint
# --------------------------------------------------------------------------

_fingerprints: dict[int, tuple[Policy, str]] = {}


def fingerprint(policy: Policy) -> str:
    """What the stored items were computed with: the parsed policy, the rules' and the loader's code,
    and the holidays package's version (the business calendar). Another one: everything is recomputed."""
    known = _fingerprints.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    import caseterm

    h = hashlib.sha256(repr(policy).encode())
    h.update(caseterm.__version__.encode())
    here = Path(__file__).resolve().parent
    for source in sorted((here.parent / "rules").glob("*.py")) + [here / "due.py", here / "due_table.py"]:
        h.update(source.name.encode())
        h.update(source.read_bytes())
    h.update(_holidays_version().encode())
    _fingerprints[id(policy)] = (policy, h.hexdigest())
    return _fingerprints[id(policy)][1]


# --------------------------------------------------------------------------
# Writing a client's rows
# --------------------------------------------------------------------------


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _write(session: Session, sql: str, rows: list[dict]) -> None:
    """An executemany in the session's transaction (the driver's own on SQLite, as `due._rows` reads)."""
    if not rows:
        return
    if _sqlite(session):
        cursor = session.connection().connection.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
    else:
        session.execute(sa.text(sql), rows)


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _compute(snap: Snapshot, policy: Policy, day: dt.date, rule_ids: Iterable[str]) -> list[tuple[int, int, DueItem]]:
    """(rule index, place in the rules' output, item) for the chosen rules, unsorted."""
    rules = load_rules()
    index = _rule_index()
    out: list[tuple[int, int, DueItem]] = []
    for rid in rule_ids:
        for item in rules[rid](snap, policy, day):
            out.append((index[rid], len(out), item))
    return out


#: Clients recomputed per snapshot when many are (a new day): the snapshot of 10,000 clients held
#: ~60 MiB of objects at once; per 1,000 the peak was a tenth of that, per 250 (issue 25.5, round 4)
#: the store of 10,000 peaks 7 MiB over what it starts from instead of 15, in the same time.
CHUNK_CLIENTS = 250


def refresh_clients(session: Session, day: dt.date, policy: Policy, client_ids: Iterable[int] | None) -> int:
    """Recompute and store the items of these clients (None: every client the session sees), stamp them
    with `day` and the policy's fingerprint and clear their marks. Returns how many clients were stored."""
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    if ids == ():
        return 0
    if ids is None:
        ids = tuple(row[0] for row in due._rows(session, "SELECT id FROM client ORDER BY id"))
        # marks of clients gone (deleted in a program without the trigger's clean-up) go too
        due._exec(session, "DELETE FROM due_stale")
    if len(ids) > CHUNK_CLIENTS:
        return sum(_refresh_chunk(session, day, policy, ids[at:at + CHUNK_CLIENTS])
                   for at in range(0, len(ids), CHUNK_CLIENTS))
    return _refresh_chunk(session, day, policy, ids)


def _refresh_chunk(session: Session, day: dt.date, policy: Policy, ids: tuple[int, ...]) -> int:
    sqlite = _sqlite(session)
    found = due._rows(session, f"SELECT id, case_number FROM client WHERE 1 = 1{due._in('id', ids, session)} ORDER BY id")
    case_ids = {case: cid for cid, case in found}
    stamp = fingerprint(policy)
    # The stamps first: in PostgreSQL the upsert locks each client's stamp row, so two sessions
    # rebuilding the same client take turns instead of both inserting its rows.
    if sqlite:
        upsert = "INSERT OR REPLACE INTO due_client (client_id, day, fingerprint) VALUES (:client_id, :day, :fp)"
    else:
        upsert = ("INSERT INTO due_client (client_id, day, fingerprint) VALUES (:client_id, :day, :fp) "
                  "ON CONFLICT (client_id) DO UPDATE SET day = EXCLUDED.day, fingerprint = EXCLUDED.fingerprint")
    day_value = day.isoformat() if sqlite else day
    _write(session, upsert, [{"client_id": cid, "day": day_value, "fp": stamp} for cid, _case in found])
    for table in ("due_item", "due_stale"):
        due._exec(session, f"DELETE FROM {table} WHERE 1 = 1{due._in('client_id', ids, session)}")
    snap = due._load_snapshot(session, day, policy, ids)
    rows = []
    for _index, seq, item in _compute(snap, policy, day, stored_rule_ids()):
        if item.case_number is None:
            continue  # a manual task of no client (the whole caseload's snapshot has them): read-time
        cid = case_ids.get(item.case_number)
        if cid is None:
            raise ValueError(f"due_table: an item of rule {item.rule} names no stored client")
        values = (cid, item.rule, item.key, item.case_number, item.title, item.why, item.source, item.due,
                  bool(item.overdue), int(item.priority), item.group.value, item.occurrence,
                  json.dumps(item.target, sort_keys=True), item.at, seq)
        rows.append({k: (_iso(v) if sqlite else v) for k, v in zip(_COLUMNS, values)})
    del snap
    _write(session, f"INSERT INTO due_item ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})",
           rows)
    return len(found)


def stale_clients(session: Session, day: dt.date, policy: Policy, client_ids: Iterable[int] | None = None) -> set[int]:
    """The clients (of `client_ids`, or all the session sees) whose rows are not current: marked
    in `due_stale`, or stamped for another day or policy, or never stored."""
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    return {
        row[0]
        for row in due._rows(
            session,
            "SELECT c.id FROM client c LEFT JOIN due_client d ON d.client_id = c.id"
            f" WHERE (d.client_id IS NULL OR d.day <> :day OR d.fingerprint <> :fp){due._in('c.id', ids, session)}"
            f" UNION SELECT client_id FROM due_stale WHERE 1 = 1{due._in('client_id', ids, session)}",
            day=day,
            fp=fingerprint(policy),
        )
    }


def bring_up_to_date(session: Session, day: dt.date, policy: Policy, client_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the stale clients (of `client_ids`, or all); how many were recomputed."""
    stale = stale_clients(session, day, policy, client_ids)
    if not stale:
        return 0
    if client_ids is None and len(stale) >= int(due._rows(session, "SELECT count(*) FROM client")[0][0]):
        return refresh_clients(session, day, policy, None)  # a new day: one pass over the whole caseload
    return refresh_clients(session, day, policy, stale)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


_JSON = json.JSONDecoder()


def stored_entries(session: Session, client_ids: Iterable[int] | None = None) -> list[tuple[tuple, DueItem, int]]:
    """The stored items (of these clients, or all): (order key, item, client id), unsorted.

    Streamed from the driver's cursor row by row (never the whole result as a list beside the
    items), repeated texts (a rule's `why`, source, group, the case number) and dates kept once:
    14,680 items at 10,000 clients share a few dozen explanations and a few hundred dates. So are
    the targets' keys and texts (`screen`, `tab`, the case number): the JSON scanner makes new
    strings for every object, 4.8 of the 19 MiB the list held at 10,000 clients (round 4)."""
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    sql = ("SELECT rule, case_number, title, why, source, due, overdue, priority, grp, occurrence, target, at, seq,"
           " client_id"
           f" FROM due_item WHERE 1 = 1{due._in('client_id', ids, session)}")
    rule_index = _rule_index()
    last = len(rule_index)
    groups: dict[object, object] = {g.value: g for g in RoutineGroup}
    priorities: dict[object, object] = {int(p): p for p in Priority}
    texts: dict[str, str] = {}
    days: dict[object, dt.date | None] = {}
    moments: dict[object, dt.datetime | None] = {None: None}
    no_target: dict = {}
    scan = _JSON.scan_once  # the C scanner itself: json.loads' wrapper cost more than the parse
    out: list[tuple[tuple, DueItem, int]] = []
    if _sqlite(session):
        cursor = session.connection().connection.cursor()
        rows: Iterable[tuple] = cursor.execute(sql)
    else:
        cursor = None
        rows = session.execute(sa.text(sql))
    try:
        for rule, case, title, why, source, due_on, overdue, priority, grp, occurrence, target, at, seq, cid in rows:
            on = days.get(due_on)
            if on is None:
                on = days[due_on] = due._d(due_on)
            case = texts.setdefault(case, case)
            if target != "{}":
                target = {texts.setdefault(k, k): texts.setdefault(v, v) if v.__class__ is str else v
                          for k, v in scan(target, 0)[0].items()}
            else:
                target = no_target.copy()
            item = DueItem(
                texts.setdefault(rule, rule), case, title, texts.setdefault(why, why), texts.setdefault(source, source),
                on, bool(overdue), priorities.get(priority, priority), groups.get(grp, grp),  # type: ignore[arg-type]
                occurrence, target,
                moments[at] if at in moments else moments.setdefault(at, due._dtm(at)))
            out.append((_order(item, rule_index.get(rule, last), seq), item, cid))
    finally:
        if cursor is not None:
            cursor.close()
    return out


def wanted_clients(session: Session, client_ids: Iterable[int] | None = None) -> set[int]:
    """The clients the caseload counts (worked on, pending a close, or followed up)."""
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    return {row[0] for row in due._rows(session, f"SELECT id FROM client WHERE {_wanted_sql()}{due._in('id', ids, session)}")}


def read_time_entries(session: Session, day: dt.date, policy: Policy, client_count: int) -> list[tuple[tuple, DueItem]]:
    """The caseload-wide items computed on read: caseload-print and manual tasks of no client."""
    tasks = tuple(
        TaskSnap(tid, title, due._d(d), int(prio), None)  # type: ignore[arg-type]
        for tid, title, d, prio in due._rows(
            session, "SELECT id, title, due, priority FROM task WHERE NOT done AND client_id IS NULL ORDER BY due, id"
        )
    )
    snap = Snapshot(day=day, tasks=tasks, client_count=client_count)
    return [(_order(item, index, seq), item) for index, seq, item in
            _compute(snap, policy, day, [rid for rid in load_rules() if rid in READ_RULES and rid != "draft"])]


def draft_entries(session: Session, day: dt.date, policy: Policy,
                  client_ids: Iterable[int] | None = None) -> list[tuple[tuple, DueItem, int]]:
    """The unsaved drafts' items of these clients (None: all the session reads), computed on read (a
    draft is its author's): (order key, item, client id), kept with the client's stored items."""
    ids = None if client_ids is None else tuple(sorted(set(client_ids)))
    drafts = due._drafts(session, ids)
    if not drafts:
        return []
    cases = {d.case_number for d in drafts}
    case_ids = {case: cid for cid, case in due._rows(
        session, f"SELECT id, case_number FROM client WHERE 1 = 1{due._in('id', ids, session)}") if case in cases}
    snap = Snapshot(day=day, drafts=drafts)
    return [(_order(item, index, seq), item, case_ids[item.case_number])  # type: ignore[index]
            for index, seq, item in _compute(snap, policy, day, ["draft"])]


def current_entries(session: Session, day: dt.date, policy: Policy | None = None) -> list[tuple[tuple, DueItem]]:
    """The whole due list of `day` in display order (decisions not applied), from the table
    (the stale clients recomputed and stored first)."""
    policy = policy or load_policy()
    with due._no_gc():
        bring_up_to_date(session, day, policy)
        entries = [(order, item) for order, item, _cid in stored_entries(session)]
        entries += [(order, item) for order, item, _cid in draft_entries(session, day, policy)]
        entries += read_time_entries(session, day, policy, len(wanted_clients(session)))
        entries.sort(key=_first)
        return entries


def stored_due_items(
    session: Session, day: dt.date, policy: Policy | None = None, now: dt.datetime | None = None
) -> list[DueItem]:
    """What is due on `day` (the same list as `due.due_items`), read from the table; items of
    appointments begun by `now` are left out (`due.seen_at`: now for today)."""
    items = [item for _order_key, item in current_entries(session, day, policy)]
    return due.not_begun(apply_decisions(items, latest_decisions(session), day), now or due.seen_at(day))


latest_decisions = due._latest_states
hidden = due._hidden
apply_decisions = due.apply_states


# --------------------------------------------------------------------------
# The hook: a client's rows change in the transaction that changes its records
# --------------------------------------------------------------------------

_has_table: "weakref.WeakKeyDictionary[sa.Engine, bool]" = weakref.WeakKeyDictionary()
_installed = False
_install_lock = threading.Lock()


def _before_commit(session: Session) -> None:
    """Recompute the clients this transaction marked (triggers of migration 0010), before it commits."""
    if session.info.get("due_table_off") or not session.in_transaction():
        return
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    known = _has_table.get(engine)
    if known is None:
        known = _has_table[engine] = sa.inspect(engine).has_table("due_stale")
    if not known:
        return  # a file at an older revision (a migration test): nothing is stored there
    session.flush()  # the pending changes first: their triggers leave the marks
    marked = [row[0] for row in due._rows(session, "SELECT client_id FROM due_stale")]
    if not marked:
        return
    try:
        policy = load_policy()
    except BadInput:
        return  # a broken policy file: the marks stay, the next read says what is wrong with it
    with due._no_gc():
        refresh_clients(session, clock.today(), policy, marked)


def install() -> None:
    """Register the hook on every session (idempotent). The app and the CLI call it when they open the
    store; without it the table is still right (the marks are recomputed on the next read)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from sqlalchemy import event

        event.listen(Session, "before_commit", _before_commit)
        _installed = True


install()


# --------------------------------------------------------------------------
# The app's due list kept in memory between changes
# --------------------------------------------------------------------------


class DueCache:
    """The due list kept in memory between changes (issues 14 and 25).

    Items are kept per client (by client id: its stored items and its drafts'
    items) and, apart, the caseload-wide ones computed on read (caseload-print,
    manual tasks of no client); with them the merged list in display order and the user's
    decisions (`DueState`, read incrementally: rows are only ever added). A
    full refresh (start-up, a new day, `invalidate()` without a client) reads
    the stored table (`due_item`), recomputing only the clients that are not
    current; a change to one client reads that client's rows (the write that
    changed it stored them) and recomputes the read-time items. A property test
    compares both with a full recomputation after random edits.

    Thread-safe: `invalidate` from any thread (the UI), `refresh` in a worker;
    refreshes run one at a time and each applies every change pending when
    it starts, so the last refresh to finish has seen every change before it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one refresh at a time
        self._pending_lock = threading.Lock()
        self._everything = True
        self._pending_ids: set[int] = set()
        self._pending_cases: set[str] = set()
        self.day: dt.date | None = None
        #: client id -> its entries (order key, item key, item), in display order
        self._by_client: dict[int, list[Entry]] = {}
        self._wide: list[Entry] = []
        # the merged list in display order, as three parallel lists
        self._sort: list[tuple] = []
        self._keys: list[str] = []
        self._items: list[DueItem] = []
        self._states: dict[str, tuple[DueAction, dt.date | None]] = {}
        self._state_id = 0
        #: the clients the caseload counts
        self._wanted: set[int] = set()
        self.runs = 0
        #: how many clients were recomputed by the last refresh (None: all)
        self.last_recomputed: int | None = None

    def invalidate(self, client_id: int | None = None, case_number: str | None = None) -> None:
        """Mark a client (by id or case number) changed; neither: everything."""
        with self._pending_lock:
            if client_id is None and not case_number:
                self._everything = True
            if client_id is not None:
                self._pending_ids.add(int(client_id))
            if case_number:
                self._pending_cases.add(case_number)

    def refresh(
        self, session: Session, day: dt.date, policy: Policy | None = None, now: dt.datetime | None = None
    ) -> list[DueItem]:
        """Apply the pending changes and return the due list of `day` (decisions applied;
        items of appointments begun by `now` left out, as `due.due_items`)."""
        return self.refresh_numbered(session, day, policy, now)[1]

    def refresh_numbered(
        self, session: Session, day: dt.date, policy: Policy | None = None, now: dt.datetime | None = None
    ) -> tuple[int, list[DueItem]]:
        """`refresh`, with the run's number: a later run has a higher number and
        has seen every change a lower one has (the caller shows the newest)."""
        policy = policy or load_policy()
        now = now or due.seen_at(day)
        with self._lock:
            with self._pending_lock:
                everything = self._everything or day != self.day
                ids, cases = self._pending_ids, self._pending_cases
                self._everything, self._pending_ids, self._pending_cases = False, set(), set()
            try:
                with due._no_gc():
                    if everything:
                        self._full(session, day, policy)
                    else:
                        self._update(session, day, policy, ids, cases)
                    self._load_states(session, reset=everything)
            except BaseException:
                self.invalidate()  # a half-applied change: start again from scratch next time
                raise
            self.runs += 1
            return self.runs, due.not_begun(self._visible(day), now)

    # -- internals ----------------------------------------------------------

    def _full(self, session: Session, day: dt.date, policy: Policy) -> None:
        bring_up_to_date(session, day, policy)
        self._wanted = wanted_clients(session)
        by_client: dict[int, list[Entry]] = {}
        entries: list[Entry] = []
        for order, item, cid in stored_entries(session) + draft_entries(session, day, policy):
            entry = (order, item.key, item)
            entries.append(entry)
            by_client.setdefault(cid, []).append(entry)
        for rows in by_client.values():
            rows.sort(key=_first)
        wide = [(order, item.key, item) for order, item in read_time_entries(session, day, policy, len(self._wanted))]
        wide.sort(key=_first)
        entries += wide
        entries.sort(key=_first)
        self._by_client, self._wide = by_client, wide
        self._sort = [e[0] for e in entries]
        self._keys = [e[1] for e in entries]
        self._items = [e[2] for e in entries]
        self.day = day
        self.last_recomputed = None

    def _update(self, session: Session, day: dt.date, policy: Policy, ids: set[int], cases: set[str]) -> None:
        if cases:
            marks = ", ".join(f":c{i}" for i in range(len(cases)))
            found = due._rows(
                session, f"SELECT id FROM client WHERE case_number IN ({marks})", **{f"c{i}": c for i, c in enumerate(cases)}
            )
            ids = ids | {row[0] for row in found}
        if ids:
            # The write that changed these clients stored their rows; a writer without the hook left marks.
            bring_up_to_date(session, day, policy, ids)
            self._wanted.difference_update(ids)
            self._wanted.update(wanted_clients(session, ids))
            fresh: dict[int, list[Entry]] = {}
            for order, item, cid in stored_entries(session, ids) + draft_entries(session, day, policy, ids):
                fresh.setdefault(cid, []).append((order, item.key, item))
            for rows in fresh.values():
                rows.sort(key=_first)
            for cid in ids:
                self._remove(self._by_client.pop(cid, ()))
                if fresh.get(cid):
                    self._by_client[cid] = fresh[cid]
                    self._insert(fresh[cid])
        # the caseload-wide items: every time (a status change moves the count; cheap)
        wide = [(order, item.key, item) for order, item in read_time_entries(session, day, policy, len(self._wanted))]
        wide.sort(key=_first)
        self._remove(self._wide)
        self._wide = wide
        self._insert(wide)
        self.last_recomputed = len(ids)

    def _remove(self, entries: Iterable[Entry]) -> None:
        for order, _key, item in entries:
            at = bisect.bisect_left(self._sort, order)
            while self._items[at] is not item:
                at += 1
            del self._sort[at], self._keys[at], self._items[at]

    def _insert(self, entries: Iterable[Entry]) -> None:
        for order, key, item in entries:
            at = bisect.bisect_right(self._sort, order)
            self._sort.insert(at, order)
            self._keys.insert(at, key)
            self._items.insert(at, item)

    def _load_states(self, session: Session, reset: bool) -> None:
        if reset:
            self._states, self._state_id = {}, 0
        actions = DueAction._value2member_map_
        for sid, key, action, until in due._rows(
            session, "SELECT id, item_key, action, until FROM due_state WHERE id > :last ORDER BY id", last=self._state_id
        ):
            self._states[key] = (actions.get(action, action), due._d(until))  # type: ignore[assignment]
            self._state_id = sid

    def _visible(self, day: dt.date) -> list[DueItem]:
        hide = {key for key, decision in self._states.items() if hidden(decision, day)}
        if not hide:
            return list(self._items)
        return [item for key, item in zip(self._keys, self._items) if key not in hide]


__all__ = [
    "DueCache",
    "READ_RULES",
    "apply_decisions",
    "bring_up_to_date",
    "current_entries",
    "fingerprint",
    "install",
    "latest_decisions",
    "refresh_clients",
    "stale_clients",
    "stored_due_items",
    "stored_rule_ids",
]
