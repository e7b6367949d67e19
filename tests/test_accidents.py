"""Accidents every term brings cost nothing the answers earned: each is graded with a note, or
refused with a message that says what to do, and none stops the batch (real nbgrader, the quiz)."""

import nbformat
import pytest

from grader import autograde, course, submissions
from grader.hidden_tests.quiz.variants import VARIANTS
from grader.preprocessors.restore_test_cells import RESTORED

NOTEBOOK = "Case_Studies_Quiz.ipynb"
LAST = "practice_answers"


def _solution(root):
    solution = next(v for v in VARIANTS if v.name == "solution")
    return submissions.build(
        course.read(root, "source", "quiz"), course.read(root, "release", "quiz"), solution
    )


def _cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _pasted_into_a_new_cell(notebook, stub: str | None):
    """The last answer copied into a new cell (no metadata); the original left as released or deleted."""
    original = _cell(notebook, LAST)
    pasted = nbformat.v4.new_code_cell(original.source)
    notebook.cells.insert(notebook.cells.index(original) + 1, pasted)
    if stub is not None:
        original.source = stub
    else:
        notebook.cells.remove(original)
    return notebook


def _old_format(notebook):
    """As saved by an older Jupyter: nbformat 4.4, no cell ids."""
    notebook.nbformat_minor = 4
    for cell in notebook.cells:
        cell.pop("id", None)
    return nbformat.writes(notebook, version=4)


def _without_test_cells(notebook):
    for grade_id in ("classic_networks_tests", "practice_tests"):
        notebook.cells.remove(_cell(notebook, grade_id))
    return notebook


@pytest.fixture(scope="module")
def graded(prepared_data, tmp_path_factory):
    # A course of its own: the class graded in test_autograde must not meet these students.
    root = course.private_copy(tmp_path_factory.mktemp("accidents"), ["quiz"])
    folder = lambda student: root / "submitted" / student / "quiz"  # noqa: E731
    stub = _cell(course.read(root, "release", "quiz"), LAST).source
    course.submit(root, "quiz", "acc_stub_kept", _pasted_into_a_new_cell(_solution(root), stub))
    course.submit(root, "quiz", "acc_stub_gone", _pasted_into_a_new_cell(_solution(root), None))
    course.submit(root, "quiz", "acc_old_format", _old_format(_solution(root)))
    course.submit(root, "quiz", "acc_no_tests", _without_test_cells(_solution(root)))
    course.submit(root, "quiz", "acc_renamed", _solution(root))
    (folder("acc_renamed") / NOTEBOOK).rename(folder("acc_renamed") / "Case_Studies_Quiz (1).ipynb")
    course.submit(root, "quiz", "acc_two_named", _solution(root))
    nbformat.write(_solution(root), folder("acc_two_named") / "draft.ipynb")
    course.submit(root, "quiz", "acc_two_unnamed", _solution(root))
    (folder("acc_two_unnamed") / NOTEBOOK).rename(folder("acc_two_unnamed") / "quiz_v1.ipynb")
    nbformat.write(_solution(root), folder("acc_two_unnamed") / "quiz_v2.ipynb")
    students = sorted(p.parent.name for p in (root / "submitted").glob("acc_*/quiz"))
    outcomes = autograde.autograde(root, "quiz", students, workers=2, progress=False)
    return root, {o.student: o for o in outcomes}


def _feedback_text(root, student) -> str:
    notebook = course.read(root, "autograded", "quiz", student)
    return "\n".join(c.source + str(c.get("outputs", "")) for c in notebook.cells)


@pytest.mark.slow
def test_each_accident_is_graded_or_refused_with_what_to_do(graded):
    _, outcomes = graded
    got = {student: (o.status, o.score) for student, o in outcomes.items()}
    assert got == {
        "acc_stub_kept": ("graded", 32),
        "acc_stub_gone": ("graded", 32),
        "acc_old_format": ("graded", 32),
        "acc_no_tests": ("graded", 32),
        "acc_renamed": ("graded", 32),
        "acc_two_named": ("graded", 32),
        "acc_two_unnamed": ("refused", 0),
    }
    assert outcomes["acc_renamed"].reason == f"'Case_Studies_Quiz (1).ipynb' graded as {NOTEBOOK}"
    assert outcomes["acc_two_named"].reason == "also submitted, not graded: draft.ipynb"
    assert "2 notebooks, none named Case_Studies_Quiz.ipynb" in outcomes["acc_two_unnamed"].reason


@pytest.mark.slow
def test_the_feedback_says_what_the_grader_did(graded):
    root, _ = graded
    for student in ("acc_stub_kept", "acc_stub_gone"):
        assert f"the answer for `{LAST}` was in a cell without its grading metadata" in _feedback_text(
            root, student
        )
    restored = _feedback_text(root, "acc_no_tests")
    assert restored.count(RESTORED.strip()) == 2, "both deleted test cells are back, each saying so"
    assert "Hidden checks (the grader's own inputs): 4 of 4 points" in restored
