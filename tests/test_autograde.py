"""Parallel, isolated autograding of a whole class, hostile submissions included (the quiz: no training)."""

import json
import os
import subprocess
import sys

import pytest

from grader import autograde, cli, course, settings, submissions
from grader.hidden_tests.quiz.variants import HOSTILE, VARIANTS

# score out of 32 and outcome status for every submission of the class
EXPECTED = {
    "solution": (32, "graded"),
    "untouched": (0, "graded"),
    "half_right": (27, "graded"),
    "infinite_loop": (32, "graded"),  # the cell is interrupted after its answers were set
    "memory_hog": (32, "graded"),  # MemoryError inside the sandbox; answers set before it
    "kernel_killer": (29, "graded"),  # the section that killed the kernel loses its 3 points
    "interrupt_ignorer": (32, "graded"),  # stuck past its time limit; answers set before it
    "output_flood": (32, "graded"),
    "deleted_test_cell": (32, "graded"),  # the deleted test cell is restored and scored
    "edited_test_cell": (32, "graded"),  # nbgrader restores locked cells
    "inflated_points": (32, "graded"),  # and their metadata
    "broken_json": (0, "refused"),
    "answer_thief": (0, "graded"),  # the sandbox hides the answer key from kernel and probe alike
}


@pytest.fixture(scope="module")
def graded_class(released_course, monkeypatch_module):
    # Far above the quiz's own 30 s per cell: the looping answers must be stopped by the quiz's limit.
    monkeypatch_module.setenv("CASE_STUDIES_CELL_TIMEOUT", "600")
    source = course.read(released_course, "source", "quiz")
    release = course.read(released_course, "release", "quiz")
    for variant in VARIANTS + HOSTILE:
        course.submit(released_course, "quiz", variant.name, submissions.build(source, release, variant))
    outcomes = autograde.autograde(released_course, "quiz", workers=2, timeout=600, progress=False)
    course.nbgrader(released_course, "generate_feedback", "quiz", "--force")
    return released_course, {o.student: o for o in outcomes}


@pytest.mark.slow
def test_every_submission_gets_its_outcome(graded_class):
    root, outcomes = graded_class
    got = {student: (outcome.score, outcome.status) for student, outcome in outcomes.items()}
    assert got == EXPECTED
    assert "not a valid notebook" in outcomes["broken_json"].reason
    assert "time limit" in outcomes["interrupt_ignorer"].reason
    assert outcomes["infinite_loop"].seconds < 300, "the quiz's own cell limit stopped the loop"
    assert not (settings.REPO / "STOLEN_BY_STUDENT").exists(), "student code wrote outside its folder"
    gradebook = course.scores(root, "quiz")
    assert {s: row["total"] for s, row in gradebook.items()} == {s: e[0] for s, e in EXPECTED.items()}


@pytest.mark.slow
def test_feedback_explains_hostile_outcomes(graded_class):
    root, _ = graded_class
    notebook = course.read(root, "autograded", "quiz", "kernel_killer")
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("evalue", ""))
        for c in notebook.cells
        for o in c.get("outputs", [])
    )
    assert "kernel died" in text
    deaf = course.read(root, "autograded", "quiz", "interrupt_ignorer")
    assert "did not stop when interrupted" in str(deaf.cells), "the stuck cell says why it has no output"
    flood = course.read(root, "autograded", "quiz", "output_flood")
    assert sum(len(str(o)) for c in flood.cells for o in c.get("outputs", [])) < 3 * 2**20


@pytest.mark.slow
def test_grading_again_gives_the_same_scores(graded_class):
    root, outcomes = graded_class
    regraded = ["half_right", "kernel_killer"]
    argv = ["autograde", "quiz", "--student", regraded[0], "--student", regraded[1], "--course", str(root)]
    assert cli.main(argv + ["--workers", "2"]) == 0
    scores = course.scores(root, "quiz")
    assert {s: scores[s]["total"] for s in regraded} == {s: outcomes[s].score for s in regraded}
    assert scores["solution"]["total"] == 32, "regrading others changes no other grade"
    records = {o.student: o for o in autograde.load_outcomes(root, "quiz")}
    assert set(records) == set(EXPECTED), "regrading some students keeps the others' outcomes"


def test_a_failure_is_named_by_the_exception_that_stopped_nbgrader():
    stderr = (
        "[AutogradeApp | ERROR] Timeout waiting for execute reply (150s).\n"
        "Traceback (most recent call last):\n"
        "nbclient.exceptions.CellTimeoutError: Timeout waiting for IOPub output\n"
        "[AutogradeApp | ERROR] There was an error processing assignment: /course/submitted/ann\n"
    )
    assert (
        autograde._nbgrader_error(stderr)
        == "nbclient.exceptions.CellTimeoutError: Timeout waiting for IOPub output"
    )
    assert autograde._nbgrader_error("[AutogradeApp | ERROR] No notebooks found\n") == "No notebooks found"


READ_LIMITS = """
import json
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("nbgrader_config.py", path=".").load_config()
quiz = [
    config.ResilientExecute.timeout_by_assignment["quiz"],
    config.HiddenChecks.step_timeout_by_assignment["quiz"],
]
print(json.dumps([config.Execute.timeout, config.HiddenChecks.step_timeout, *quiz]))
"""


def course_time_limits(env: dict) -> list[int]:
    """Cell and probe step timeouts, then the quiz's, as the course config sets them in this environment."""
    env = {**env, "CASE_STUDIES_CELL_TIMEOUT": "150"}
    run = subprocess.run(
        [sys.executable, "-c", READ_LIMITS], cwd=course.COURSE, env=env, capture_output=True, text=True
    )
    return json.loads(run.stdout)


def test_workers_that_share_the_cores_get_longer_time_limits():
    alone = autograde._worker_environment(1)
    shared = autograde._worker_environment(2 * (os.cpu_count() or 1))  # one thread each, twice the cores
    assert alone["CASE_STUDIES_TIME_SCALE"] == "1"
    assert shared["TF_NUM_INTRAOP_THREADS"] == "1" and shared["CASE_STUDIES_TIME_SCALE"] == "2"
    assert course_time_limits(alone) == [150, 75, 30, 15]
    assert course_time_limits(shared) == [300, 150, 30, 15], "the quiz's cells take milliseconds"


def test_longest_jobs_start_first(tmp_path):
    earlier = [
        autograde.Outcome("ann", "graded", "", 1, 1, 90.0, 0),
        autograde.Outcome("bob", "graded", "", 1, 1, 10.0, 0),
        autograde.Outcome("cy", "failed", "", 0, 1, 500.0, 0),  # a failure says nothing about cost
    ]
    autograde.save_outcomes(tmp_path, "resnets", earlier)
    autograde.save_outcomes(tmp_path, "quiz", [autograde.Outcome("ann", "graded", "", 1, 1, 6.0, 0)])
    jobs = [("quiz", "ann"), ("resnets", "bob"), ("resnets", "cy"), ("resnets", "ann"), ("lab3", "ann")]
    assert autograde.longest_first(tmp_path, jobs) == [
        ("lab3", "ann"),  # never graded: unknown cost goes first
        ("resnets", "ann"),
        ("resnets", "cy"),  # no usable time of its own: the assignment's median (50 s)
        ("resnets", "bob"),
        ("quiz", "ann"),
    ]


@pytest.mark.slow
def test_quiz_feedback_points_to_the_lecture_without_answers(graded_class):
    root, _ = graded_class
    html = (root / "feedback" / "half_right" / "quiz" / "Case_Studies_Quiz.html").read_text()
    for question, notebook in (("Q04", "01_classic_networks"), ("Q10", "03_one_by_one_convolutions")):
        assert f"{question} is not right" in html and f"notebooks/{notebook}.ipynb" in html
    assert "Q01 is right" in html
    assert "answer_key" not in html and "6144" not in html, "no answer reaches the student"


def test_autograde_without_submissions_says_so(tmp_path, capsys):
    assert cli.main(["autograde", "quiz", "--student", "nobody", "--course", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "nobody has no submission of quiz" in error and "no submissions to grade" in error
