"""The real nbgrader lifecycle on the ResNets lab: release, autograde, feedback."""

import pytest

from grader import course, submissions
from grader.hidden_tests.resnets.variants import VARIANTS

ASSIGNMENT = "resnets"
# Strings that exist only in the grader's hidden checks (their code, shapes and helpers).
HIDDEN_MARKERS = [
    "align_random_weights",
    "IDENTITY_CASES",
    "probe_plan",
    "(5, 5, 12)",
    "def test_",
    "keras_graph",
]


def test_release_has_no_solutions_and_no_hidden_tests(released_course):
    release = released_course / "release" / ASSIGNMENT
    assert sorted(p.name for p in release.iterdir()) == ["Residual_Networks.ipynb", "public_tests.py"]
    text = (release / "Residual_Networks.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "Add()([X, X_shortcut])" not in text
    assert text.count("raise NotImplementedError()") == 3
    for marker in HIDDEN_MARKERS:
        assert marker not in text + (release / "public_tests.py").read_text()


@pytest.fixture(scope="module")
def graded(released_course, monkeypatch_module):
    monkeypatch_module.setenv("CASE_STUDIES_QUICK", "1")
    source = course.read(released_course, "source", ASSIGNMENT)
    release = course.read(released_course, "release", ASSIGNMENT)
    chosen = {v.name: v for v in VARIANTS if v.name in ("solution", "untouched")}
    for name, variant in chosen.items():
        course.submit(released_course, ASSIGNMENT, name, submissions.build(source, release, variant))
    course.nbgrader(released_course, "autograde", ASSIGNMENT, "--force")
    course.nbgrader(released_course, "generate_feedback", ASSIGNMENT, "--force")
    return released_course


@pytest.mark.slow
def test_solution_earns_full_marks_and_release_zero(graded):
    scores = course.scores(graded, ASSIGNMENT)
    maxima = course.max_scores(graded, ASSIGNMENT)
    assert maxima["total"] == 20
    assert scores["solution"]["total"] == pytest.approx(maxima["total"]), scores["solution"]
    assert scores["untouched"]["total"] == 0, scores["untouched"]


@pytest.mark.slow
def test_feedback_teaches_without_leaking_hidden_tests(graded):
    for student in ("solution", "untouched"):
        html = (graded / "feedback" / student / ASSIGNMENT / "Residual_Networks.html").read_text()
        autograded = (graded / "autograded" / student / ASSIGNMENT / "Residual_Networks.ipynb").read_text()
        for marker in HIDDEN_MARKERS:
            assert marker not in html and marker not in autograded, f"{marker} leaked to {student}"
        assert "Hidden checks" in html
    untouched = (graded / "feedback" / "untouched" / ASSIGNMENT / "Residual_Networks.html").read_text()
    assert "NotImplementedError" in untouched, "the student learns why the checks failed"
    assert "quick mode" in untouched.lower(), "a quick run says so in every feedback"
