"""`grader demo`: prepare data, release the assignments, grade a small class, print the grades."""

import importlib
import time
from pathlib import Path

from grader import course, data, settings, submissions, weights


def class_variants(assignment: str) -> list:
    return importlib.import_module(f"grader.hidden_tests.{assignment}.variants").VARIANTS


def prepare_all() -> None:
    for dataset in data.DATASETS.values():
        counts = data.prepare(dataset)
        print(f"data: {dataset.name} " + ", ".join(f"{split} {n}" for split, n in counts.items()))
    print(f"weights: ImageNet weights ready in {weights.prepare_keras_home()}/models")


def grade_class(root: Path, assignment: str) -> None:
    course.nbgrader(root, "generate_assignment", assignment, "--force")
    source = course.read(root, "source", assignment)
    release = course.read(root, "release", assignment)
    for variant in class_variants(assignment):
        course.submit(root, assignment, variant.name, submissions.build(source, release, variant))
    started = time.monotonic()
    course.nbgrader(root, "autograde", assignment, "--force")
    elapsed = time.monotonic() - started
    print(f"{assignment}: autograded {len(class_variants(assignment))} submissions in {elapsed:.0f} s")
    course.nbgrader(root, "generate_feedback", assignment, "--force")


def grade_table(root: Path, assignment: str) -> str:
    maxima = course.max_scores(root, assignment)
    rows = course.scores(root, assignment)
    parts = list(maxima)
    width = max(len(s) for s in rows) + 2
    lines = [f"{'student':<{width}}" + "".join(f"{p.removesuffix('_tests'):>22}" for p in parts)]
    lines.append(f"{'(out of)':<{width}}" + "".join(f"{maxima[p]:>22g}" for p in parts))
    for student in sorted(rows):
        lines.append(f"{student:<{width}}" + "".join(f"{rows[student].get(p, 0):>22g}" for p in parts))
    return "\n".join(lines)


def main(assignments: list[str] | None = None, root: Path = course.COURSE) -> int:
    prepare_all()
    if settings.quick_mode():
        print("QUICK mode (CASE_STUDIES_QUICK=1): short training and a lower accuracy bar; not real grades.")
    for assignment in assignments or [a for a in course.assignments(root) if a in ("resnets",)]:
        grade_class(root, assignment)
        print(f"\n{assignment}\n" + grade_table(root, assignment))
        print(f"feedback: {root / 'feedback'}")
    return 0
