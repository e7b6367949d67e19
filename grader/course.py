"""The nbgrader course folder: run nbgrader's own commands on it and read its gradebook."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from grader import settings

COURSE = settings.REPO / "assignments"


class CourseError(RuntimeError):
    """An nbgrader step failed; the message says which and how to see why."""


def nbgrader(course: Path, *args: str, quiet: bool = True) -> str:
    env = {**os.environ, **settings.kernel_environment()}
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=quiet, text=True
    )
    if result.returncode != 0:
        tail = (result.stderr or "")[-3000:] if quiet else ""
        raise CourseError(f"`nbgrader {' '.join(args)}` failed in {course}:\n{tail}")
    return result.stderr or ""


def assignments(course: Path = COURSE) -> list[str]:
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebook_name(course: Path, assignment: str) -> str:
    (notebook,) = (course / "source" / assignment).glob("*.ipynb")
    return notebook.name


def read(course: Path, folder: str, assignment: str, student: str | None = None) -> nbformat.NotebookNode:
    parts = [folder] + ([student] if student else []) + [assignment, notebook_name(course, assignment)]
    return nbformat.read(course.joinpath(*parts), as_version=4)


def submit(course: Path, assignment: str, student: str, notebook, when: datetime | None = None) -> Path:
    """Place a notebook where `nbgrader collect` would have put it."""
    folder = course / "submitted" / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / notebook_name(course, assignment)
    if isinstance(notebook, bytes | str):
        path.write_bytes(notebook if isinstance(notebook, bytes) else notebook.encode())
    else:
        nbformat.write(notebook, path)
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp)
    return path


def db_url(course: Path) -> str:
    return os.environ.get("CASE_STUDIES_GRADEBOOK", f"sqlite:///{course / 'gradebook.db'}")


def scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """student -> {grade cell: points, "total": points} from nbgrader's gradebook."""
    table = {}
    with Gradebook(db_url(course), course_id="cnn-case-studies") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            row = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code" and not grade.cell.name.startswith("answer"):
                        row[grade.cell.name] = grade.score
            row["total"] = submission.score
            table[submission.student.id] = row
    return table


def total_score(course: Path, assignment: str, student: str) -> float:
    """One submission's total from nbgrader's gradebook (0 when it has none)."""
    with Gradebook(db_url(course), course_id="cnn-case-studies") as gradebook:
        try:
            return gradebook.find_submission(assignment, student).score
        except MissingEntry:
            return 0.0


def max_scores(course: Path, assignment: str) -> dict[str, float]:
    with Gradebook(db_url(course), course_id="cnn-case-studies") as gradebook:
        notebook = gradebook.find_assignment(assignment).notebooks[0]
        cells = {cell.name: cell.max_score for cell in notebook.grade_cells if cell.cell_type == "code"}
        return {**cells, "total": gradebook.find_assignment(assignment).max_score}


def record_zero(course: Path, assignment: str, student: str) -> None:
    """An ungradable submission still appears in the gradebook, with no points."""
    with Gradebook(db_url(course), course_id="cnn-case-studies") as gradebook:
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score, grade.manual_score = 0.0, None
        gradebook.db.commit()


def private_copy(dest: Path, assignments_to_release: list[str] | None = None, source: Path = COURSE) -> Path:
    """A fresh course folder at dest (sources and config of the course at source), assignments released."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        source / "source", dest / "source", ignore=shutil.ignore_patterns("*.keras", "__pycache__")
    )
    shutil.copy(source / "nbgrader_config.py", dest)
    for assignment in assignments_to_release or assignments(dest):
        nbgrader(dest, "generate_assignment", assignment, "--force")
    return dest
