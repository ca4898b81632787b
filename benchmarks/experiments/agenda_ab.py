"""`agenda --json` before/after, runs interleaved (one tree, then the other, per run).

    python benchmarks/experiments/agenda_ab.py /tmp/due_before   # a `git archive <commit> caseterm migrations` tree

Medians of 5 runs (a first warm-up run dropped), 150 and 10,000 clients.
"""
import os, subprocess, sys, time, statistics, json
from pathlib import Path
HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
os.chdir(HERE)
from _common import PYTHON, ensure, isolated_env
dbs = {150: ensure(150), 10000: ensure(10000)}
def env(tree):
    e = isolated_env()
    e.pop("PYTHONPATH", None)
    if tree: e["PYTHONPATH"] = tree
    return e
trees = {"before": sys.argv[1], "after": ""}
times = {(t, n): [] for t in trees for n in dbs}
for r in range(6):
    for n, db in dbs.items():
        for t, tree in trees.items():
            t0 = time.perf_counter()
            p = subprocess.run([PYTHON, "-m", "caseterm", "--db", str(db), "agenda", "--json"], env=env(tree), cwd=tree or str(HERE.parent), capture_output=True, text=True)
            el = time.perf_counter() - t0
            assert p.returncode == 0, p.stderr[-500:]
            json.loads(p.stdout)
            if r: times[(t, n)].append(el)
for t in trees:
    a, b = statistics.median(times[(t,150)]), statistics.median(times[(t,10000)])
    print(f"{t}: 150 {a*1000:.0f} ms, 10,000 {b*1000:.0f} ms, ratio {b/a:.2f}  (runs {times[(t,10000)]})")
