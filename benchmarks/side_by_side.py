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

from parallel_vs_stock import make_course

from grader import course, demo

LABS = ("resnets", "transfer_learning")


def solution_course(folder: Path, assignment: str) -> Path:
    solution = [v for v in demo.class_variants(assignment) if v.name == "solution"]
    return make_course(folder, {assignment: solution})


def autograde(roots: list[Path], assignment: str) -> tuple[float, list[float]]:
    """Seconds to grade every course's solution at once (one nbgrader each), and the grades."""
    started = time.monotonic()
    with ThreadPoolExecutor(len(roots)) as pool:
        list(pool.map(lambda root: course.nbgrader(root, "autograde", assignment, "--force"), roots))
    seconds = time.monotonic() - started
    return seconds, [course.total_score(root, assignment, "solution") for root in roots]


def main() -> None:
    os.environ.update(CASE_STUDIES_QUICK="1", CASE_STUDIES_CELL_TIMEOUT="600")
    demo.prepare_all()
    print(f"stock nbgrader autograde of each lab's solution, quick training, {os.cpu_count()} cores")
    for assignment in LABS:
        with tempfile.TemporaryDirectory(prefix="bench-side-by-side-") as tmp:
            # Courses are copied and released before the clock starts: only grading is timed.
            roots = [solution_course(Path(tmp) / name, assignment) for name in ("alone", "left", "right")]
            alone, scores = autograde(roots[:1], assignment)
            pair, pair_scores = autograde(roots[1:], assignment)
        print(
            f"{assignment}: alone {alone:.0f} s; two side by side {pair:.0f} s"
            f" (scores {', '.join(f'{t:g}' for t in scores + pair_scores)});"
            f" two at once gain {2 * alone / pair:.2f}x"
        )


if __name__ == "__main__":
    main()
