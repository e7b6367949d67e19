"""The warm nbgrader server: a forked child per submission, as good as a fresh `nbgrader autograde`."""

import os

import pytest

from grader import autograde, course, submissions
from grader.hidden_tests.quiz.variants import VARIANTS
from grader.warm_nbgrader import WarmNbgrader, WorkerGone

SOLUTION = next(v for v in VARIANTS if v.name == "solution")


@pytest.fixture(scope="module")
def quiz_course(tmp_path_factory, prepared_data):
    root = course.private_copy(tmp_path_factory.mktemp("warm"), ["quiz"])
    source, release = course.read(root, "source", "quiz"), course.read(root, "release", "quiz")
    course.submit(root, "quiz", "ann", submissions.build(source, release, SOLUTION))
    return root


@pytest.fixture
def server():
    server = WarmNbgrader(autograde._worker_environment(1))
    yield server
    server.close()


@pytest.mark.slow
def test_one_server_grades_one_submission_after_another(quiz_course, server, tmp_path):
    pids = []
    log = tmp_path / "stderr.txt"
    code, peak_kb = server.autograde(quiz_course, "quiz", "nobody", log, pids.append)
    assert code == 1 and "nobody" in log.read_text(), "nbgrader's own error, in the submission's log"
    code, peak_kb = server.autograde(quiz_course, "quiz", "ann", log, pids.append)
    assert code == 0 and peak_kb > 50_000, "the kernel's memory counts: it ran under this child"
    assert course.total_score(quiz_course, "quiz", "ann") == 32
    assert len(set(pids)) == 2 and os.getpid() not in pids


@pytest.mark.slow
def test_a_killed_submission_leaves_the_server_grading(quiz_course, server, tmp_path):
    log = tmp_path / "stderr.txt"
    code, _ = server.autograde(quiz_course, "quiz", "ann", log, autograde._kill_group)  # killed at once
    assert code == -9
    code, _ = server.autograde(quiz_course, "quiz", "ann", log, lambda pid: None)
    assert code == 0 and course.total_score(quiz_course, "quiz", "ann") == 32


@pytest.mark.slow
def test_a_stopped_server_is_replaced_and_says_so(quiz_course, tmp_path):
    servers = autograde._Servers(autograde._worker_environment(1))
    stopped = servers.take()
    stopped.process.kill()
    stopped.process.wait()
    with pytest.raises(WorkerGone, match="server ended"):
        stopped.autograde(quiz_course, "quiz", "ann", tmp_path / "log", lambda pid: None)
    servers.idle.put(stopped)
    code, *_ = autograde._run_nbgrader(quiz_course, "quiz", "ann", servers, 600)
    assert code == 0 and len(servers.all) == 2
    servers.close()
