"""The real `nbgrader autograde` of the transfer learning solution, at full size (not quick mode).

Copies the course to a temporary folder, releases the assignment, submits the instructor's solution
and autogrades it with nbgrader.  Prints the autograde wall time, the grade per cell and the accuracy
of the saved models on the grader-only split: before fine-tuning (the notebook's checkpoint) and after.

    CASE_STUDIES_MIRROR=../shared/mirror .venv/bin/python benchmarks/transfer_learning_autograde.py
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import machine  # beside this file

from grader import course, demo, settings, submissions
from grader.hidden_tests.transfer_learning.variants import VARIANTS
from grader.preprocessors.hidden_checks import RECORD_FILE

ASSIGNMENT = "transfer_learning"
STUDENT = "solution"


def epoch_lines(notebook_path: Path) -> list[str]:
    """The per-epoch lines `fit(verbose=2)` printed in the autograded notebook."""
    import nbformat

    lines = []
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            lines += [line for line in text.splitlines() if re.match(r"(Epoch \d+/\d+|\d+/\d+ - )", line)]
    return lines


def holdout_accuracy(path: Path) -> float:
    import keras

    from grader.hidden_tests.transfer_learning import test_fine_tuned_model

    model = keras.saving.load_model(path, compile=False, safe_mode=True)
    return test_fine_tuned_model.accuracy(model)


def main() -> int:
    if settings.quick_mode():
        print("CASE_STUDIES_QUICK=1 is set: this benchmark measures the full-size run; unset it.")
        return 2
    demo.prepare_all()
    os.environ.update(settings.kernel_environment())
    with tempfile.TemporaryDirectory(prefix="transfer-bench-") as tmp:
        root = Path(tmp)
        shutil.copytree(
            course.COURSE / "source" / ASSIGNMENT,
            root / "source" / ASSIGNMENT,
            ignore=shutil.ignore_patterns("*.keras"),
        )
        shutil.copy(course.COURSE / "nbgrader_config.py", root)
        os.environ["CASE_STUDIES_GRADEBOOK"] = f"sqlite:///{root / 'gradebook.db'}"
        course.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
        solution = next(v for v in VARIANTS if v.name == STUDENT)
        notebook = submissions.build(
            course.read(root, "source", ASSIGNMENT), course.read(root, "release", ASSIGNMENT), solution
        )
        course.submit(root, ASSIGNMENT, STUDENT, notebook)
        started = time.monotonic()
        course.nbgrader(root, "autograde", ASSIGNMENT, "--student", STUDENT, "--force")
        elapsed = time.monotonic() - started
        graded = root / "autograded" / STUDENT / ASSIGNMENT

        print(machine.describe())
        print(f"autograde wall time: {elapsed:.0f} s (nbgrader autograde, one submission, full size)")
        seconds = json.loads((graded / RECORD_FILE).read_text())["seconds"]
        print(f"  of which hidden checks: probe {seconds['probe']:.0f} s, judging {seconds['judge']:.0f} s")
        for line in epoch_lines(graded / course.notebook_name(root, ASSIGNMENT)):
            print(f"  {line}")
        for name, label in [
            ("flowers_before_fine_tuning.keras", "before fine-tuning"),
            ("flowers_mobilenetv2.keras", "after fine-tuning"),
        ]:
            path = graded / name
            figure = f"{holdout_accuracy(path):.3f}" if path.is_file() else "missing"
            print(f"grader-only split accuracy {label}: {figure}")
        scores, maxima = course.scores(root, ASSIGNMENT)[STUDENT], course.max_scores(root, ASSIGNMENT)
        for cell in maxima:
            print(f"  {cell:28s} {scores.get(cell, 0):g} / {maxima[cell]:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
