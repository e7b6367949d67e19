"""Full-size ResNets lab, graded for real: the solution notebook's `nbgrader autograde` wall time,
its trained model's accuracy on the grader-only split, and the grade.  No quick knob here.

    .venv/bin/python benchmarks/resnets_autograde.py
"""

import json
import os
import tempfile
import time
from pathlib import Path

import machine  # beside this file
from transfer_learning_autograde import epoch_lines

from grader import course, data, demo, submissions
from grader.hidden_tests import holdout, keras_graph
from grader.hidden_tests.resnets import test_trained_model
from grader.hidden_tests.resnets.variants import VARIANTS
from grader.preprocessors.hidden_checks import RECORD_FILE


def main() -> None:
    os.environ.pop("CASE_STUDIES_QUICK", None)
    demo.prepare_all()
    with tempfile.TemporaryDirectory(prefix="bench-resnets-") as tmp:
        root = course.private_copy(Path(tmp), ["resnets"])
        solution = next(v for v in VARIANTS if v.name == "solution")
        notebook = submissions.build(
            course.read(root, "source", "resnets"), course.read(root, "release", "resnets"), solution
        )
        course.submit(root, "resnets", "solution", notebook)
        started = time.monotonic()
        course.nbgrader(root, "autograde", "resnets", "--student", "solution", "--force")
        wall = time.monotonic() - started
        graded = root / "autograded" / "solution" / "resnets"
        seconds = json.loads((graded / RECORD_FILE).read_text())["seconds"]
        epochs = epoch_lines(graded / course.notebook_name(root, "resnets"))
        model = keras_graph.load(graded / test_trained_model.MODEL_FILE)
        accuracy = holdout.accuracy(model, data.SIGNS, (64, 64), scale=1 / 255)
        score = course.scores(root, "resnets")["solution"]["total"]
        maximum = course.max_scores(root, "resnets")["total"]
    print(machine.describe())
    print(f"resnets solution: autograde wall time {wall:.0f} s ({wall / 60:.1f} min; target <= 4 min)")
    print(f"  of which hidden checks: probe {seconds['probe']:.0f} s, judging {seconds['judge']:.0f} s")
    for line in epochs:
        print(f"  {line}")
    print(f"resnets solution: grader-only split accuracy {accuracy:.3f}  (target >= 0.90)")
    print(f"resnets solution: grade {score:g} / {maximum:g}")


if __name__ == "__main__":
    main()
