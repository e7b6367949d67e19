"""Stock `nbgrader autograde` (one submission after another) against `grader autograde` (parallel
workers) on the same class; checks that the scores agree and prints submissions per hour, the
speed-up, the sandbox's overhead per submission and peak memory per worker.

The class is `make demo`'s: every assignment's solution, untouched release and realistic mistakes,
and the quiz's hostile submissions (an infinite loop, a memory hog, a kernel killer, an answer
thief...), with CASE_STUDIES_QUICK=1 training and a 600 s lab cell timeout (the quiz keeps 30 s), as
in the demo.  Both graders run the course's nbgrader config, sandbox and hidden checks included, so
the scores can agree; what differs is the scheduling, and for `grader` the time limits, stretched by
how many threads share a core so that a cell near its limit is not cut short by its neighbours.
Stock nbgrader grades one assignment after the other, one submission at a time; `grader` grades the
whole class in one Dask run, labs first, as `make demo` does, on a fresh course (no earlier
timings to order jobs by).  The sandbox's own cost is measured apart, on the quiz with one worker,
with and without it.

    .venv/bin/python benchmarks/parallel_vs_stock.py
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

from grader import autograde, course, demo, submissions
from grader.hidden_tests.quiz.variants import VARIANTS as QUIZ

# In make demo's order: the labs first, the quiz's seconds-long submissions fill the end.
DEMO_CLASS = {a: demo.class_variants(a) for a in ("resnets", "transfer_learning", "quiz")}


def make_course(folder: Path, class_: dict) -> Path:
    root = course.private_copy(folder, list(class_))
    for assignment, variants in class_.items():
        source, release = course.read(root, "source", assignment), course.read(root, "release", assignment)
        for variant in variants:
            course.submit(root, assignment, variant.name, submissions.build(source, release, variant))
    return root


def all_scores(root: Path, class_: dict) -> dict:
    return {(a, s): row["total"] for a in class_ for s, row in course.scores(root, a).items()}


def stock(folder: Path, class_: dict) -> tuple[float, dict]:
    root = make_course(folder, class_)
    started = time.monotonic()
    for assignment in class_:
        try:
            course.nbgrader(root, "autograde", assignment, "--force")
        except course.CourseError:
            pass  # stock nbgrader exits non-zero when a submission failed; it graded the others
    return time.monotonic() - started, all_scores(root, class_)


def parallel(folder: Path, class_: dict, workers: int | None, sandboxed: bool = True):
    root = make_course(folder, class_)
    os.environ["CASE_STUDIES_SANDBOX"] = "1" if sandboxed else "0"
    started = time.monotonic()
    jobs = [(a, s) for a in class_ for s in autograde.submitted_students(root, a)]
    results = autograde.autograde_many(root, jobs, workers=workers, progress=False)
    elapsed = time.monotonic() - started
    del os.environ["CASE_STUDIES_SANDBOX"]
    return elapsed, all_scores(root, class_), [o for a in class_ for o in results[a]]


def main() -> None:
    os.environ.update(CASE_STUDIES_QUICK="1", CASE_STUDIES_CELL_TIMEOUT="600")
    demo.prepare_all()
    count = sum(len(v) for v in DEMO_CLASS.values())
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        stock_seconds, stock_scores = stock(Path(tmp) / "stock", DEMO_CLASS)
        grader_seconds, grader_scores, outcomes = parallel(Path(tmp) / "grader", DEMO_CLASS, workers=None)
        _, _, bare = parallel(Path(tmp) / "bare", {"quiz": QUIZ}, workers=1, sandboxed=False)
        _, _, boxed = parallel(Path(tmp) / "boxed", {"quiz": QUIZ}, workers=1, sandboxed=True)
    ungraded = sorted(set(grader_scores) - set(stock_scores))
    assert stock_scores == {key: grader_scores[key] for key in stock_scores}, (
        f"scores differ:\n{stock_scores}\n{grader_scores}"
    )
    per_hour = {
        name: count / seconds * 3600
        for name, seconds in (("stock", stock_seconds), ("grader", grader_seconds))
    }
    overhead = statistics.median(b.seconds - a.seconds for a, b in zip(bare, boxed, strict=True))
    peaks = [o.peak_memory_mb for o in outcomes]
    names = ", ".join(f"{a}: {len(v)}" for a, v in DEMO_CLASS.items())
    print(f"class: {count} submissions ({names}), quick training, as in make demo")
    print(f"scores agree: {len(stock_scores)} of {len(stock_scores)} graded by both")
    if ungraded:
        print(f"  stock nbgrader recorded no grade for {ungraded}; grader recorded 0 with its reason")
    print(f"stock nbgrader autograde: {stock_seconds:6.0f} s, {per_hour['stock']:6.1f} submissions/hour")
    rate = per_hour["grader"]
    print(
        f"grader, {os.cpu_count()} workers, sandboxed: {grader_seconds:6.0f} s, {rate:6.1f} submissions/hour"
    )
    print(f"speed-up: {stock_seconds / grader_seconds:.2f}x (target >= 1.5x)")
    print(f"sandbox overhead per quiz submission (3 realistic ones, 1 worker): median {overhead:+.2f} s")
    bare_median, boxed_median = (statistics.median(o.seconds for o in run) for run in (bare, boxed))
    print(f"  ({bare_median:.1f} s without the sandbox, {boxed_median:.1f} s with it)")
    print(f"peak memory per worker: max {max(peaks):.0f} MB, median {statistics.median(peaks):.0f} MB")


if __name__ == "__main__":
    main()
