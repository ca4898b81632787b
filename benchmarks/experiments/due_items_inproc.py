"""due.due_items() in process: a warm-up, then 3 timed runs (pass a copy of the database; run it under each tree with PYTHONPATH)."""
import os, sys, time
os.environ["CASETERM_TODAY"]="2026-03-10"
from caseterm.store import open_store, session_scope
from caseterm.services import due
from caseterm import clock
engine=open_store(f"sqlite:///{sys.argv[1]}", create=False)
with session_scope(engine) as s:
    due.due_items(s, clock.today())
    ts=[]
    for _ in range(3):
        t=time.perf_counter(); due.due_items(s, clock.today()); ts.append(time.perf_counter()-t)
print(sys.argv[2], [round(x,2) for x in ts])
