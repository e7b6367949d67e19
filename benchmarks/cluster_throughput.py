"""The `make demo` class graded on Dask: the embedded cluster, and a real TCP cluster (a `dask
scheduler` and `grader worker` processes on 127.0.0.1) with 1 and 2 worker processes. Checks that
the scores agree and prints seconds, submissions per hour and what the cluster path adds per
submission (packing the files, the worker's scratch course and reading back, replaying into the
gradebook), with the CPU's flags.

    .venv/bin/python benchmarks/cluster_throughput.py            # the demo class (about 40 min here)
    .venv/bin/python benchmarks/cluster_throughput.py --quiz     # the quiz's 13 submissions only
    # the TCP cluster with 2 workers only, its scores compared with those `make demo` left:
    .venv/bin/python benchmarks/cluster_throughput.py --runs tcp2 --reference-course assignments
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import machine  # beside this file
from parallel_vs_stock import DEMO_CLASS, all_scores, make_course

from grader import autograde, cluster, demo
from grader.hidden_tests.quiz.variants import HOSTILE, VARIANTS


def run(folder: Path, class_: dict, scheduler: str | None, workers: int | None):
    root = make_course(folder, class_)
    jobs = [(a, s) for a in class_ for s in autograde.submitted_students(root, a)]
    started = time.monotonic()
    results = autograde.autograde_many(root, jobs, workers=workers, progress=False, scheduler=scheduler)
    seconds = time.monotonic() - started
    outcomes = [o for a in class_ for o in results[a]]
    return seconds, all_scores(root, class_), outcomes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiz", action="store_true", help="the quiz's submissions only")
    runs = ("embedded", "tcp1", "tcp2")
    parser.add_argument("--runs", nargs="+", choices=runs, default=list(runs))
    parser.add_argument("--reference-course", type=Path, help="compare scores with this course's gradebook")
    args = parser.parse_args()
    os.environ.update(CASE_STUDIES_QUICK="1", CASE_STUDIES_CELL_TIMEOUT="600")
    demo.prepare_all()
    class_ = {"quiz": VARIANTS + HOSTILE} if args.quiz else DEMO_CLASS
    count = sum(len(v) for v in class_.values())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        cores = os.cpu_count() or 1
        if "embedded" in args.runs:
            embedded = run(tmp / "embedded", class_, None, None)
            rows.append((f"embedded LocalCluster, {cores} workers", *embedded))
        for workers in (1, 2):
            if f"tcp{workers}" not in args.runs:
                continue
            scratch = tmp / f"tcp{workers}"
            scratch.mkdir()
            with (
                open(scratch / "cluster.log", "ab") as log,
                cluster.on_this_machine([scratch], workers, log) as address,
            ):
                rows.append(
                    (
                        f"TCP cluster, {workers} worker process(es)",
                        *run(scratch / "course", class_, address, None),
                    )
                )
    if args.reference_course:
        reference, against = all_scores(args.reference_course.resolve(), class_), str(args.reference_course)
    else:
        reference, against = rows[0][2], rows[0][0]
    print(machine.describe())
    names = ", ".join(f"{a}: {len(v)}" for a, v in class_.items())
    print(f"class: {count} submissions ({names}), quick training (CASE_STUDIES_QUICK=1), as in make demo")
    print(f"scores compared with: {against}")
    print(
        f"{'run':<38} {'seconds':>8} {'subm./hour':>11} {'same scores':>12}"
        f" {'overhead/subm. (median, max)':>30}"
    )
    for name, seconds, scores, outcomes in rows:
        overhead = [o.overhead_seconds for o in outcomes if o.status == "graded"]
        same = "yes" if scores == reference else f"NO: {scores}"
        spread = f"{statistics.median(overhead):.1f} s, {max(overhead):.1f} s" if overhead else "-"
        print(f"{name:<38} {seconds:8.0f} {count / seconds * 3600:11.1f} {same:>12} {spread:>30}")


if __name__ == "__main__":
    main()
