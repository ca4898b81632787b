"""HMIS export: wall time of `caseterm export --format hmis` for 10,000 clients (goal: < 10 s).

    python benchmarks/bench_hmis_export.py [--runs 3] [--clients 10000]

The generated database (benchmarks/generate.py) is copied and opened once by
this tree, so migration 0007 gives every client an enrollment from its file's
dates; then every client gets universal data elements and every enrollment an
entry-stage record (income, benefits, insurance, disabilities, DV), and the
projects are marked HUD. Each run is a fresh process
(`python -m caseterm --db COPY export --format hmis --from .. --to .. -o X.zip --force`),
wall time spawn -> exit (and the child's CPU time, which machine load does not
inflate), one year up to the pinned day; the set it writes is
then checked with `caseterm hmis check` (timed too, once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
import uuid

from _common import OUT, PYTHON, ROOT, TODAY, TODAY_ISO, copy_db, ensure, isolated_env, line, median, record

sys.path.insert(0, str(ROOT))


def prepare(clients: int):
    """A copy of the generated database with HMIS records for every client."""
    import sqlalchemy as sa

    from caseterm.store import open_store, resolve_url

    db = copy_db(ensure(clients), "hmis")
    engine = open_store(resolve_url(str(db)))  # migrates: one enrollment per client
    now = dt.datetime(2026, 3, 1, 9, 0)
    with engine.begin() as conn:
        if not conn.execute(sa.text("SELECT count(*) FROM hmis_enrollment")).scalar_one():
            # Generated at the head revision already: enroll every client as migration 0007 would.
            conn.execute(sa.text("INSERT INTO hmis_organization (uid, name, victim_service_provider, created_at, "
                                 "updated_at) VALUES (:u, 'Bench agency', 0, :now, :now)"), {"u": str(uuid.uuid4()), "now": now})
            conn.execute(sa.text("INSERT INTO hmis_project (uid, organization_id, name, continuum_project, "
                                 "hmis_participation, operating_start, created_at, updated_at) VALUES "
                                 "(:u, 1, 'Bench PSH', 1, 1, '2000-01-01', :now, :now)"), {"u": str(uuid.uuid4()), "now": now})
            rows = conn.execute(sa.text(
                "SELECT id, COALESCE(referral_date, initial_contact_date, first_interview_date, shelter_entry_date, "
                "'2025-06-01'), exit_date FROM client")).all()
            conn.execute(sa.text(
                "INSERT INTO hmis_enrollment (uid, client_id, project_id, entry_date, household_id, relationship_to_hoh, "
                "living_situation, disabling_condition, exit_date, destination, enrollment_coc, created_at, updated_at) "
                "VALUES (:u, :c, 1, :entry, :h, 1, 116, 0, :exit, :dest, 'OR-501', :now, :now)"),
                [{"u": (u := str(uuid.uuid4())), "h": u.replace("-", ""), "c": c, "entry": entry,
                  "exit": exit_date if exit_date and str(exit_date) >= str(entry) else None,
                  "dest": 410 if exit_date and str(exit_date) >= str(entry) else None, "now": now}
                 for c, entry, exit_date in rows])
        conn.execute(sa.text("UPDATE hmis_project SET continuum_project = 1, project_type = 3, housing_type = 3, "
                             "coc_code = 'OR-501', geocode = '419036', funder = 2, grant_id = 'G1'"))
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM client"))]
        conn.execute(sa.text(
            "INSERT INTO hmis_client (client_id, name_data_quality, ssn_data_quality, dob_data_quality, race, sex, "
            "veteran_status, created_at, updated_at) VALUES (:c, 1, 99, 1, 'White', 0, 0, :now, :now)"),
            [{"c": c, "now": now} for c in ids])
        enrollments = conn.execute(sa.text("SELECT id, entry_date FROM hmis_enrollment")).all()
        conn.execute(sa.text(
            "INSERT INTO hmis_collection (uid, enrollment_id, stage, information_date, income_from_any_source, income, "
            "benefits_from_any_source, benefits, insurance_from_any_source, insurance, disabilities, dv_survivor, "
            "created_at, updated_at) VALUES (:uid, :e, 1, :d, 1, :income, 1, '[\"SNAP\"]', 1, '[\"Medicaid\"]', "
            ":dis, 0, :now, :now)"),
            [{"uid": str(uuid.uuid4()), "e": e, "d": d, "income": json.dumps({"TANF": 506.0}),
              "dis": json.dumps({"5": 0, "9": 1}), "now": now} for e, d in enrollments])
    engine.dispose()
    return db, len(ids), len(enrollments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=10_000)
    args = parser.parse_args()
    db, clients, enrollments = prepare(args.clients)
    out = OUT / "hmis-export.zip"
    start = (TODAY - dt.timedelta(days=364)).isoformat()
    cmd = [PYTHON, "-m", "caseterm", "--db", str(db), "export", "--format", "hmis", "--from", start,
           "--to", TODAY_ISO, "-o", str(out), "--force"]
    env = isolated_env()
    import resource

    times, cpu = [], []
    for _ in range(args.runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
    began = time.perf_counter()
    checked = subprocess.run([PYTHON, "-m", "caseterm", "--db", str(db), "hmis", "check", str(out)], env=env,
                             capture_output=True, text=True)
    check_time = time.perf_counter() - began
    print(f"HMIS export, {clients:,} clients ({enrollments:,} enrollments), {args.runs} runs:")
    line("export --format hmis (median)", f"{median(times):.2f} s", f"runs {', '.join(f'{t:.2f}' for t in times)}")
    line("  CPU time of the export process (median)", f"{median(cpu):.2f} s", "user + system: what load does not change")
    line("hmis check of that set", f"{check_time:.2f} s", "clean" if checked.returncode == 0 else
         f"NOT clean: {checked.stdout.splitlines()[:3]}")
    record("hmis export", {"clients": clients, "median_s": round(median(times), 2), "cpu_s": round(median(cpu), 2), "runs": [round(t, 2) for t in times],
                           "check_s": round(check_time, 2), "clean": checked.returncode == 0})
    return 0 if median(times) < 10 and checked.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
