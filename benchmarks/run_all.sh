#!/usr/bin/env bash
# Every benchmark, one after the other (a few minutes; generates data if missing).
#   benchmarks/run_all.sh            # default runs
#   QUICK=1 benchmarks/run_all.sh    # fewer runs, for a smoke check
# Results print as they go and are kept in benchmarks/out/results.json.
set -uo pipefail   # one failing benchmark does not stop the others
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
if [ "${QUICK:-0}" = 1 ]; then R=3; O=5; else R=5; O=15; fi

"$PY" benchmarks/generate.py || exit 1  # no-op when the databases exist
"$PY" benchmarks/bench_startup.py --runs "$R" --due
"$PY" benchmarks/bench_open_client.py --opens "$O"
"$PY" benchmarks/bench_note_form.py --opens "$O"
"$PY" benchmarks/bench_schedule.py --opens "$O"
"$PY" benchmarks/bench_note_save.py --runs $((R * 2))
"$PY" benchmarks/bench_search.py --runs "$R"
"$PY" benchmarks/bench_agenda.py --runs "$R"
"$PY" benchmarks/bench_memory.py --runs 3
"$PY" benchmarks/bench_import.py --runs $(( R > 3 ? 3 : R ))
