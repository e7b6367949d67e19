"""Find answers whose cell lost its grading metadata (sanitising pass, before nbgrader's own steps).

Copying an answer into a new cell, or pasting a notebook's cells into a fresh one, drops the cell
metadata by which nbgrader and the hidden checks know an answer cell.  The kernel still ran the
answer, but the probe, which runs only answer cells, did not.  When an answer cell of the release is
missing or left exactly as released, a cell without metadata that defines every name the released
cell defines (`identity_block`, `q01`...) takes its place, and the feedback says so.
"""

import ast
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_solution

from grader import course

NOTES = "case_studies_notes"  # notebook metadata: notes for the feedback, read by HiddenChecks


def defined_names(source: str) -> set[str]:
    """Top-level functions, classes and assigned names of a cell (none when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class RecoverAnswerCells(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        root = Path(resources["metadata"]["path"]).resolve().parents[2]  # <root>/submitted/<s>/<a>
        release = course.read(root, "release", resources["nbgrader"]["assignment"])
        cells = {_grade_id(c): c for c in nb.cells if _grade_id(c)}
        nb.metadata.pop(NOTES, None)  # only the grader writes there
        notes = []
        for answer in (c for c in release.cells if is_solution(c) and c.cell_type == "code"):
            name, mine = _grade_id(answer), cells.get(_grade_id(answer))
            needed = defined_names(answer.source)
            if not needed or (mine is not None and mine.source.strip() != answer.source.strip()):
                continue  # answered in its own cell, or nothing to recognise it by
            found = [c for c in nb.cells if c.cell_type == "code" and not _grade_id(c)]
            found = [c for c in found if needed <= defined_names(c.source)]
            if not found:
                continue
            if mine is not None:
                mine.metadata.pop("nbgrader")  # the untouched stub stays, as an ordinary cell
            found[-1].metadata["nbgrader"] = dict(answer.metadata["nbgrader"])
            notes.append(
                f"the answer for `{name}` was in a cell without its grading metadata (copied into a new "
                "cell?): it was graded as that answer"
            )
            self.log.warning("Answer cell %s recovered from a cell without metadata", name)
        if notes:
            nb.metadata[NOTES] = notes
        return nb, resources
