"""A grader's own fault is never a student's grade: really broken setups end as "grader error".

Each test breaks the grader, not the submission: a hidden test that raises, the grader-only data
removed, the judge killed, the judge past its own time limit.  The submission is the solution."""

import os
import shutil
import signal
import subprocess
import threading
import time

import keras
import pytest

from grader import autograde, cli, course, hidden_checks, report, submissions
from grader.hidden_tests.quiz.variants import VARIANTS as QUIZ_VARIANTS
from grader.hidden_tests.resnets import reference
from grader.hidden_tests.resnets.variants import VARIANTS as RESNETS_VARIANTS

BROKEN_TEST = "raise RuntimeError('this hidden test module is broken')\n"


def _solution(root, assignment, variants):
    solution = next(v for v in variants if v.name == "solution")
    source, release = course.read(root, "source", assignment), course.read(root, "release", assignment)
    return submissions.build(source, release, solution)


@pytest.fixture
def broken_suites(tmp_path):
    """A copy of the hidden suites whose quiz suite has one more test module, one that raises."""
    suites = tmp_path / "hidden_tests"
    shutil.copytree(hidden_checks.suites(), suites, ignore=shutil.ignore_patterns("__pycache__"))
    return suites


@pytest.mark.slow
def test_a_broken_hidden_test_is_a_grader_error_that_keeps_the_grade(
    released_course, broken_suites, monkeypatch
):
    root = released_course
    course.submit(root, "quiz", "fault_student", _solution(root, "quiz", QUIZ_VARIANTS))
    graded = autograde.autograde(root, "quiz", ["fault_student"], workers=1, progress=False)
    assert [(o.status, o.score) for o in graded] == [("graded", 32)]

    (broken_suites / "quiz" / "test_broken.py").write_text(BROKEN_TEST)
    monkeypatch.setenv("CASE_STUDIES_HIDDEN_TESTS", str(broken_suites))
    code = cli.main(["autograde", "quiz", "--student", "fault_student", "--course", str(root)])
    assert code == 3, "the command's exit status says the grader failed"
    (outcome,) = [o for o in autograde.load_outcomes(root, "quiz") if o.student == "fault_student"]
    assert outcome.status == autograde.GRADER_ERROR
    assert "exit code 2" in outcome.reason and "grade this submission again" in outcome.reason
    assert course.scores(root, "quiz")["fault_student"]["total"] == 32, "no zero recorded"
    page = report.build_report(root, ["quiz"]).read_text()
    assert "grader error" in page and "exit code 2" in page, "the class report shows it"

    monkeypatch.delenv("CASE_STUDIES_HIDDEN_TESTS")  # fixed: the next run grades it again
    assert cli.main(["autograde", "quiz", "--student", "fault_student", "--course", str(root)]) == 0
    (outcome,) = [o for o in autograde.load_outcomes(root, "quiz") if o.student == "fault_student"]
    assert (outcome.status, outcome.score) == ("graded", 32)


@pytest.fixture(scope="module")
def resnets_submission(released_course, tmp_path_factory):
    """The ResNets solution with a model of the right architecture saved (untrained: the holdout
    check is reached, whatever it then decides)."""
    folder = tmp_path_factory.mktemp("resnets") / "resnets"
    shutil.copytree(released_course / "release" / "resnets", folder)
    reference.resnet50().save(folder / "resnet50_signs.keras")
    keras.backend.clear_session()
    return _solution(released_course, "resnets", RESNETS_VARIANTS), folder


@pytest.mark.slow
def test_missing_grader_data_is_a_grader_error(resnets_submission, tmp_path, monkeypatch):
    monkeypatch.setenv("CASE_STUDIES_GRADER_DATA", str(tmp_path / "removed"))
    verdicts = hidden_checks.run(resnets_submission[0], "resnets", resnets_submission[1])
    assert len(verdicts.grader_faults) == 1
    assert "test_holdout_accuracy: GraderFault: the grader-only split is missing" in verdicts.grader_faults[0]
    passed = {check.passed for checks in verdicts.cells.values() for check in checks if check.points}
    assert True in passed, "the other checks still judged the submission"


def _descends_from_us(pid: int) -> bool:
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            return False
        pid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return False


def _kill_the_judge(stop: threading.Event) -> None:
    """Kills this test's judge (the pytest process given --results=) as soon as it runs."""
    while not stop.is_set():
        found = subprocess.run(["pgrep", "-f", "--", "--results="], capture_output=True, text=True).stdout
        for pid in [int(p) for p in found.split() if _descends_from_us(int(p))][:1]:
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.01)


@pytest.fixture(scope="module")
def quiz_submission(released_course, tmp_path_factory):
    folder = tmp_path_factory.mktemp("quiz") / "quiz"
    shutil.copytree(released_course / "release" / "quiz", folder)
    return _solution(released_course, "quiz", QUIZ_VARIANTS), folder


@pytest.mark.slow
def test_a_killed_judge_is_a_grader_error(quiz_submission):
    stop = threading.Event()
    killer = threading.Thread(target=_kill_the_judge, args=(stop,))
    killer.start()
    try:
        verdicts = hidden_checks.run(quiz_submission[0], "quiz", quiz_submission[1])
    finally:
        stop.set()
        killer.join()
    (fault,) = verdicts.grader_faults
    assert fault.startswith("the hidden checks stopped with exit code"), fault
    assert verdicts.cells == {}, "no verdict is made up"


@pytest.mark.slow
def test_a_judge_past_its_own_time_limit_is_a_grader_error(quiz_submission):
    # a judge needs seconds to start (Python, pytest, the suite): 0.2 s is always too short
    verdicts = hidden_checks.run(quiz_submission[0], "quiz", quiz_submission[1], tests_timeout=0.2)
    assert verdicts.grader_faults == ["the hidden checks did not finish within 0.2 s"]
    assert verdicts.cells == {}, "no verdict is made up"
