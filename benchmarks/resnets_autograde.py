"""Full-size ResNets lab, graded for real: the solution notebook's `nbgrader autograde` wall time,
its trained model's accuracy on the grader-only split, and the grade.  No quick knob here.

    .venv/bin/python benchmarks/resnets_autograde.py
"""

import os
import tempfile
import time
from pathlib import Path

from grader import course, data, demo, submissions
from grader.hidden_tests import holdout, keras_graph
from grader.hidden_tests.resnets import test_trained_model
from grader.hidden_tests.resnets.variants import VARIANTS


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
        model = keras_graph.load(root / "autograded" / "solution" / "resnets" / test_trained_model.MODEL_FILE)
        accuracy = holdout.accuracy(model, data.SIGNS, (64, 64), scale=1 / 255)
        score = course.scores(root, "resnets")["solution"]["total"]
        maximum = course.max_scores(root, "resnets")["total"]
    print(f"resnets solution: autograde wall time {wall:.0f} s ({wall / 60:.1f} min; target <= 4 min)")
    print(f"resnets solution: grader-only split accuracy {accuracy:.3f}  (target >= 0.90)")
    print(f"resnets solution: grade {score:g} / {maximum:g}")


if __name__ == "__main__":
    main()
