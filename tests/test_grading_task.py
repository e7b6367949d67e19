"""A submission graded as a self-contained task on a worker with its own scratch course, then replayed
into the instructor's gradebook (grader/grading_task.py): same scores as grading in place."""

import json
import shutil

import nbformat
import pytest

from grader import autograde, course, grading_task, submissions
from grader.grading_task import BadResult, CourseMismatch, Result, Task
from grader.hidden_tests.quiz.variants import HOSTILE, VARIANTS

CLASS = ["solution", "half_right", "kernel_killer", "broken_json", "answer_thief"]


def test_the_course_version_follows_the_hidden_tests(tmp_path, monkeypatch):
    before = grading_task.course_version("quiz")
    hidden = tmp_path / "hidden_tests"
    shutil.copytree(grading_task.settings.hidden_tests_dir(), hidden)
    monkeypatch.setenv("CASE_STUDIES_HIDDEN_TESTS", str(hidden))
    assert grading_task.course_version("quiz") == before  # same content, same version
    key = hidden / "quiz" / "answer_key.py"
    key.write_text(key.read_text() + "\n# changed\n")
    assert grading_task.course_version("quiz") != before


def test_a_worker_with_another_course_version_refuses_the_task(tmp_path):
    task = Task("quiz", "ann", "0000000000000000", {"Case_Studies_Quiz.ipynb": b"{}"})
    with pytest.raises(CourseMismatch, match="install the same commit"):
        grading_task.grade(task, tmp_path)
    assert not any(tmp_path.iterdir()), "nothing graded, nothing written"


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("../escape.txt", b"x", "not a plain relative name"),
        ("/etc/cron.d/job", b"x", "not a plain relative name"),
        (".bashrc", b"x", "not a plain relative name"),
        ("big.txt", b"x" * (grading_task.RETURNED_FILE_LIMIT + 1), "larger than"),
        ("Case_Studies_Quiz.ipynb", b"not json", "not a valid notebook"),
    ],
)
def test_replay_refuses_what_student_code_could_have_planted(released_course, name, content, why):
    outcome = {"student": "ann", "status": "graded", "reason": "", "score": 32.0, "max_score": 32.0}
    outcome |= {"seconds": 1.0, "peak_memory_mb": 1.0}
    result = Result("quiz", "ann", outcome, "Case_Studies_Quiz.ipynb", {name: content})
    with pytest.raises(BadResult, match=why):
        grading_task.replay(released_course, result)
    assert not (released_course / "autograded" / "ann").exists()


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory, prepared_data):
    """The same class graded in place (nbgrader on the course) and as tasks on a scratch worker."""
    base = tmp_path_factory.mktemp("task")
    in_place = course.private_copy(base / "in_place", ["quiz"])
    instructor = course.private_copy(base / "instructor", ["quiz"])
    source = course.read(in_place, "source", "quiz")
    release = course.read(in_place, "release", "quiz")
    for variant in VARIANTS + HOSTILE:
        if variant.name in CLASS:
            notebook = submissions.build(source, release, variant)
            for root in (in_place, instructor):
                course.submit(root, "quiz", variant.name, notebook)
    direct = {o.student: o for o in autograde.autograde(in_place, "quiz", workers=1, progress=False)}
    replayed, results = {}, {}
    for student in CLASS:
        task = grading_task.pack(instructor, "quiz", student, grading_task.course_version("quiz", instructor))
        results[student] = grading_task.grade(task, base / "worker")
        replayed[student] = grading_task.replay(instructor, results[student])
    return in_place, instructor, direct, replayed, results


@pytest.mark.slow
def test_a_task_graded_on_a_worker_scores_as_grading_in_place(two_courses):
    in_place, instructor, direct, replayed, _ = two_courses
    assert {s: (o.status, o.score) for s, o in replayed.items()} == {
        s: (o.status, o.score) for s, o in direct.items()
    }
    assert {s: o.score for s, o in direct.items()}["half_right"] == 27  # not all equal by accident
    assert course.scores(instructor, "quiz") == course.scores(in_place, "quiz")


@pytest.mark.slow
def test_the_instructor_gets_the_autograded_notebook_and_the_hidden_check_record(two_courses):
    _, instructor, _, _, results = two_courses
    folder = instructor / "autograded" / "half_right" / "quiz"
    notebook = nbformat.read(folder / "Case_Studies_Quiz.ipynb", as_version=4)
    assert any("Hidden checks" in str(cell.get("outputs")) for cell in notebook.cells)
    record = json.loads((folder / "hidden_checks.json").read_text())
    assert record and "broken_json" not in {p.parent.parent.name for p in folder.parents}
    assert not (instructor / "autograded" / "broken_json" / "quiz").exists()  # refused: nothing to keep
    assert results["broken_json"].outcome["status"] == "refused"
    course.nbgrader(instructor, "generate_feedback", "quiz", "--student", "half_right", "--force")
    assert (instructor / "feedback" / "half_right" / "quiz" / "Case_Studies_Quiz.html").is_file()
