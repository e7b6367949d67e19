"""Stock `nbgrader autograde` (one submission after another) against `grader autograde` (parallel
workers, each submission sandboxed) on the same class; checks that the scores agree and prints
submissions per hour, the speed-up, the sandbox's overhead per submission and peak memory per worker.

The class: the ResNets lab's realistic submissions (CASE_STUDIES_QUICK=1 training, as in the demo)
and three quiz submissions.  Both graders run the same nbgrader config and hidden checks; the stock
run has the sandbox off (CASE_STUDIES_SANDBOX=0), as nbgrader itself has none.  Stock nbgrader grades
one assignment after the other; `grader` grades the whole class in one pool of workers, as
`grader autograde resnets quiz` does, on a fresh course (no earlier timings to order jobs by).

    .venv/bin/python benchmarks/parallel_vs_stock.py
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

from grader import autograde, course, demo, submissions
from grader.hidden_tests.quiz.variants import VARIANTS as QUIZ
from grader.hidden_tests.resnets.variants import VARIANTS as RESNETS

CLASS = {"resnets": RESNETS, "quiz": QUIZ}


def make_course(folder: Path) -> Path:
    root = course.private_copy(folder, list(CLASS))
    for assignment, variants in CLASS.items():
        source, release = course.read(root, "source", assignment), course.read(root, "release", assignment)
        for variant in variants:
            course.submit(root, assignment, variant.name, submissions.build(source, release, variant))
    return root


def all_scores(root: Path) -> dict:
    return {(a, s): row["total"] for a in CLASS for s, row in course.scores(root, a).items()}


def stock(folder: Path) -> tuple[float, dict]:
    root = make_course(folder)
    os.environ["CASE_STUDIES_SANDBOX"] = "0"
    started = time.monotonic()
    for assignment in CLASS:
        course.nbgrader(root, "autograde", assignment, "--force")
    elapsed = time.monotonic() - started
    del os.environ["CASE_STUDIES_SANDBOX"]
    return elapsed, all_scores(root)


def parallel(folder: Path, workers: int | None, sandboxed: bool = True) -> tuple[float, dict, list]:
    root = make_course(folder)
    os.environ["CASE_STUDIES_SANDBOX"] = "1" if sandboxed else "0"
    started = time.monotonic()
    jobs = [(a, s) for a in CLASS for s in autograde.submitted_students(root, a)]
    results = autograde.autograde_many(root, jobs, workers=workers, progress=False)
    outcomes = [o for a in CLASS for o in results[a]]
    elapsed = time.monotonic() - started
    del os.environ["CASE_STUDIES_SANDBOX"]
    return elapsed, all_scores(root), outcomes


def main() -> None:
    os.environ["CASE_STUDIES_QUICK"] = "1"
    demo.prepare_all()
    count = sum(len(v) for v in CLASS.values())
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        stock_seconds, stock_scores = stock(Path(tmp) / "stock")
        grader_seconds, grader_scores, outcomes = parallel(Path(tmp) / "grader", workers=None)
        quiz_only = {"quiz": QUIZ}
        CLASS.pop("resnets")
        bare_seconds, _, bare = parallel(Path(tmp) / "bare", workers=1, sandboxed=False)
        boxed_seconds, _, boxed = parallel(Path(tmp) / "boxed", workers=1, sandboxed=True)
        CLASS.update(quiz_only)
    assert stock_scores == grader_scores, f"scores differ:\nstock  {stock_scores}\ngrader {grader_scores}"
    workers = os.cpu_count()
    per_hour = {
        name: count / seconds * 3600
        for name, seconds in (("stock", stock_seconds), ("grader", grader_seconds))
    }
    bare_median = statistics.median(o.seconds for o in bare)
    boxed_median = statistics.median(o.seconds for o in boxed)
    overhead = statistics.median(b.seconds - a.seconds for a, b in zip(bare, boxed, strict=True))
    peaks = [o.peak_memory_mb for o in outcomes]
    names = ", ".join(f"{a}: {len(v)}" for a, v in (("resnets", RESNETS), ("quiz", QUIZ)))
    print(f"class: {count} submissions ({names}), quick training")
    print(f"scores agree: {len(stock_scores)} of {len(stock_scores)}")
    print(f"stock nbgrader autograde: {stock_seconds:6.0f} s, {per_hour['stock']:6.1f} submissions/hour")
    rate = per_hour["grader"]
    print(f"grader, {workers} workers, sandboxed: {grader_seconds:6.0f} s, {rate:6.1f} submissions/hour")
    print(f"speed-up: {stock_seconds / grader_seconds:.2f}x (target >= 1.5x)")
    print(f"sandbox overhead per quiz submission, 1 worker: median {overhead:+.2f} s")
    print(f"  ({bare_median:.1f} s without the sandbox, {boxed_median:.1f} s with it)")
    print(f"peak memory per worker: max {max(peaks):.0f} MB, median {statistics.median(peaks):.0f} MB")


if __name__ == "__main__":
    main()
