"""Put back test cells a student deleted, so that the hidden checks can score them (sanitising pass).

A deleted test cell used to cost its points even when the hidden checks found the answer right:
nbgrader only scores grade cells the notebook holds.  This step inserts each missing test cell, as
released, after the nearest cell before it in the release that the submission still has, with a
first line telling the student it was restored.  (nbgrader's own `add_missing_cells` looks for that
neighbour among answer and test cells only, and fails when it is a locked cell, as before the
labs' trained-model checks.)
"""

from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from grader import course

RESTORED = "# Restored by the grader: this test cell was missing from your submission.\n"


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class RestoreTestCells(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        root = Path(resources["metadata"]["path"]).resolve().parents[2]  # <root>/submitted/<s>/<a>
        release = course.read(root, "release", resources["nbgrader"]["assignment"])
        present = {grade_id(cell) for cell in nb.cells} - {None}
        for index, cell in enumerate(release.cells):
            if not (is_grade(cell) and not is_solution(cell)) or grade_id(cell) in present:
                continue
            before = [grade_id(c) for c in release.cells[:index] if grade_id(c) in present]
            position = (
                1 + max((i for i, c in enumerate(nb.cells) if grade_id(c) == before[-1]), default=-1)
                if before
                else 0
            )
            restored = nbformat.from_dict(cell)
            restored.source = RESTORED + restored.source
            nb.cells.insert(position, restored)
            present.add(grade_id(cell))
            self.log.warning("Restored the missing test cell %s", grade_id(cell))
        return nb, resources
