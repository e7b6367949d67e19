"""What grading two lab submissions at once gains on this machine, scheduler aside: stock `nbgrader
autograde` of the lab's solution alone, then two of them at once (two nbgrader processes on two
course copies), and `2 x alone / side by side`.

A lab submission spends most of its grading time training, and TensorFlow already spreads one
training over every core, so two gradings side by side mostly share the cores rather than doubling
the work done.  `benchmarks/parallel_vs_stock.py`'s speed-up for a class is to be read against this
figure: the more of the class's time is such training, the closer it comes to it.  Quick training
and a 600 s lab cell timeout, as in `make demo`.

    .venv/bin/python benchmarks/side_by_side.py
"""

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from parallel_vs_stock import all_scores, make_course

from grader import course, demo

LABS = ("resnets", "transfer_learning")


def grade(folder: Path, assignment: str) -> dict:
    class_ = {assignment: [v for v in demo.class_variants(assignment) if v.name == "solution"]}
    root = make_course(folder, class_)
    course.nbgrader(root, "autograde", assignment, "--force")
    return all_scores(root, class_)


def timed(function, *args) -> tuple[float, object]:
    started = time.monotonic()
    result = function(*args)
    return time.monotonic() - started, result


def side_by_side(folder: Path, assignment: str) -> tuple[float, list]:
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        runs = list(pool.map(lambda k: grade(folder / f"copy{k}", assignment), (1, 2)))
    return time.monotonic() - started, runs


def main() -> None:
    os.environ.update(CASE_STUDIES_QUICK="1", CASE_STUDIES_CELL_TIMEOUT="600")
    demo.prepare_all()
    print(f"stock nbgrader autograde of each lab's solution, quick training, {os.cpu_count()} cores")
    for assignment in LABS:
        with tempfile.TemporaryDirectory(prefix="bench-side-by-side-") as tmp:
            alone, scores = timed(grade, Path(tmp) / "alone", assignment)
            pair, pair_scores = side_by_side(Path(tmp), assignment)
        totals = [next(iter(s.values())) for s in (scores, *pair_scores)]
        print(
            f"{assignment}: alone {alone:.0f} s; two side by side {pair:.0f} s"
            f" (scores {', '.join(f'{t:g}' for t in totals)});"
            f" two at once gain {2 * alone / pair:.2f}x"
        )


if __name__ == "__main__":
    main()
