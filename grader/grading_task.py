"""One submission as a self-contained grading task, for workers that share no files with the course.

The instructor's side packs a submission (`pack`): its files as bytes, read without following links,
and the version of the course it must be graded against. A worker (`grade`) checks that version
against its own installed course (hidden tests, source notebook, nbgrader configuration, data
manifests), grades the submission in a scratch course folder of its own with the usual nbgrader run
(sandbox, hidden checks), and returns the autograded notebook, the small files beside it and the
outcome. Back on the instructor's side, `replay` checks what came back like any file student code
wrote (names, sizes, a valid notebook), writes it into `autograded/`, and saves the grades with
nbgrader's own steps (SaveAutoGrades, AssignLatePenalties): the instructor's process stays the only
writer of the gradebook and the course folders.

What a worker returns leaves out what training wrote (a ResNets model is 283 MB): the judge has
scored it already, and a regrade reruns the notebook.
"""

import fcntl
import hashlib
import io
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from grader import course, safe_files, settings

RETURNED_FILE_LIMIT = 8 << 20  # bytes; an autograded notebook with plots is a few MB
SUBMITTED_FILE_LIMIT = safe_files.DEFAULT_LIMIT
NOT_RETURNED = (".keras", ".h5", ".weights.h5")


class CourseMismatch(RuntimeError):
    """The worker's course is another version than the one the task must be graded against."""


class BadResult(ValueError):
    """What a worker returned cannot be written into the course (it is data student code touched)."""


@dataclass
class Task:
    assignment: str
    student: str
    course_version: str
    files: dict[str, bytes]  # relative path -> content, as `nbgrader collect` left them


@dataclass
class Result:
    assignment: str
    student: str
    outcome: dict  # grader.autograde.Outcome as a dict
    notebook_name: str
    files: dict[str, bytes] = field(default_factory=dict)  # autograded folder, notebook included
    worker_seconds: float = 0.0  # all of grade(): the scratch course, writing files, nbgrader, reading back
    log: str = ""  # nbgrader's stderr when it failed (reports/<assignment>/logs/<student>.log)


def course_version(assignment: str, course_root: Path = course.COURSE) -> str:
    """A digest of everything that decides a grade: the source notebook and files, the nbgrader
    configuration, the hidden tests and the data manifests. Equal digests grade alike."""
    digest = hashlib.sha256()
    parts = [
        (course_root / "source" / assignment, "source"),
        (course_root / "nbgrader_config.py", "config"),
        (settings.hidden_tests_dir() / assignment, "hidden"),
        (settings.REPO / "data" / "manifests", "manifests"),
    ]
    for base, label in parts:
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            inside = path.relative_to(base).parts if path != base else ()
            if any(part.startswith(".") or part in ("__pycache__", "feedback") for part in inside):
                continue  # what nbgrader's CourseDirectory.ignore leaves out of a release
            if path.suffix in (*NOT_RETURNED, ".pyc"):
                continue
            digest.update(f"{label}/{path.relative_to(base.parent)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def pack(root: Path, assignment: str, student: str, version: str) -> Task:
    """The submission's files (plain files only; anything else stays behind and `refusal` names it) and
    the course version (`course_version`) it must be graded against."""
    folder = root / "submitted" / student / assignment
    files = {}
    for path in sorted(folder.rglob("*")):
        if safe_files.why_unsafe(path, SUBMITTED_FILE_LIMIT) is None:
            files[str(path.relative_to(folder))] = safe_files.read_bytes(path, SUBMITTED_FILE_LIMIT)
    return Task(assignment, student, version, files)


def _scratch_course(workspace: Path, assignment: str, version: str, source: Path) -> Path:
    """The workers' own course folder for this assignment and version, released once and shared by
    the grading processes of this machine (each grades its own student's folders in it, as nbgrader
    does on one course; a lock keeps two from releasing it at once)."""
    root = workspace / f"{assignment}-{version}"
    workspace.mkdir(parents=True, exist_ok=True)
    with open(workspace / f".{assignment}-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".released").exists():
            shutil.rmtree(root, ignore_errors=True)
            course.private_copy(root, [assignment], source)
            (root / ".released").touch()
    return root


def _write_submission(root: Path, task: Task) -> None:
    folder = root / "submitted" / task.student / task.assignment
    for stale in ("submitted", "autograded", "feedback"):
        shutil.rmtree(root / stale / task.student, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, content in task.files.items():
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise BadResult(f"{name!r}: a path outside the submission")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def grade(
    task: Task,
    workspace: Path | None = None,
    timeout: float = 3600,
    servers=None,
    course_root: str | None = None,
) -> Result:
    """Worker side: grade one task in a scratch course under workspace; never touches another course.
    servers: the worker's warm nbgrader (grader.autograde._Servers), else one for this task."""
    from grader import autograde

    started = time.monotonic()
    # a worker of the embedded cluster shares the instructor's machine: it grades against the course
    # folder the instructor may have edited; a remote worker against the course installed with it
    source = Path(course_root) if course_root else course.COURSE
    own = course_version(task.assignment, source)
    if own != task.course_version:
        raise CourseMismatch(
            f"this worker has course version {own} of {task.assignment!r}, the task needs "
            f"{task.course_version}: install the same commit of the course on every worker"
        )
    os.environ.pop("CASE_STUDIES_GRADEBOOK", None)  # the scratch course's own SQLite, never the class's
    root = _scratch_course(workspace or settings.worker_dir(), task.assignment, own, source)
    _write_submission(root, task)
    own_servers = servers is None
    servers = servers or autograde._Servers(autograde._worker_environment(1))
    maximum = course.max_scores(root, task.assignment)["total"]
    try:
        outcome = autograde.grade_one(root, task.assignment, task.student, maximum, servers, timeout)
    finally:
        if own_servers:
            servers.close()
    result = Result(
        task.assignment, task.student, asdict(outcome), course.notebook_name(root, task.assignment)
    )
    log = root / "reports" / task.assignment / "logs" / f"{task.student}.log"
    if outcome.status == "failed" and log.is_file():
        result.log = log.read_text(errors="replace")[-50_000:]
    log.unlink(missing_ok=True)
    graded = root / "autograded" / task.student / task.assignment
    for path in sorted(graded.rglob("*")) if graded.is_dir() else []:
        # no folders, links or oversized files; no trained model (the judge has scored it)
        if safe_files.why_unsafe(path, RETURNED_FILE_LIMIT) or path.suffix in NOT_RETURNED:
            continue
        result.files[str(path.relative_to(graded))] = safe_files.read_bytes(path, RETURNED_FILE_LIMIT)
    for folder in ("submitted", "autograded"):  # a worker keeps no student's work once it is returned
        shutil.rmtree(root / folder / task.student, ignore_errors=True)
    result.worker_seconds = time.monotonic() - started
    return result


def _checked_files(result: Result) -> dict[str, bytes]:
    files = {}
    for name, content in result.files.items():
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts or any(p.startswith(".") for p in parts):
            raise BadResult(f"{name!r}: not a plain relative name")
        if not isinstance(content, bytes) or len(content) > RETURNED_FILE_LIMIT:
            raise BadResult(f"{name!r}: larger than {RETURNED_FILE_LIMIT >> 20} MB or not bytes")
        files[name] = content
    notebook = files.get(result.notebook_name)
    if notebook is not None:
        try:
            nbformat.validate(nbformat.read(io.StringIO(notebook.decode()), as_version=4))
        except Exception as error:
            raise BadResult(f"{result.notebook_name}: not a valid notebook ({str(error)[:200]})") from error
    return files


def replay(root: Path, result: Result, expected: tuple[str, str] | None = None):
    """Instructor side: write what a worker returned and save its grades in the gradebook.
    expected: the (assignment, student) the task was for; a result for anything else is refused."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    from nbgrader.utils import parse_utc

    from grader.autograde import GRADER_ERROR, Outcome, submission_stamp

    if expected and (result.assignment, result.student) != expected:
        raise BadResult(
            f"a result for {result.student}/{result.assignment}, not for {expected[1]}/{expected[0]}"
        )
    outcome = Outcome(**result.outcome)
    if outcome.student != result.student:
        raise BadResult(f"an outcome of {outcome.student!r} in the result of {result.student!r}")
    if result.notebook_name != course.notebook_name(root, result.assignment):
        raise BadResult(f"{result.notebook_name!r} is not the notebook of {result.assignment}")
    files = _checked_files(result)
    if result.log:  # nbgrader's own words about a failed submission, for staff
        log = root / "reports" / result.assignment / "logs" / f"{result.student}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.log[-50_000:])
    if outcome.status == GRADER_ERROR:  # the grader could not judge: the gradebook keeps what it had
        return outcome
    target = root / "autograded" / result.student / result.assignment
    shutil.rmtree(target, ignore_errors=True)
    if outcome.status != "graded" or result.notebook_name not in files:
        course.record_zero(root, result.assignment, result.student)
        return outcome
    stamp = submission_stamp(root, result.assignment, result.student)  # the instructor's own record
    timestamp = parse_utc(stamp) if stamp else None
    target.mkdir(parents=True)
    for name, content in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    with Gradebook(course.db_url(root), course_id="cnn-case-studies") as gradebook:
        gradebook.update_or_create_student(result.student)
        gradebook.update_or_create_submission(
            result.assignment, result.student, **({"timestamp": timestamp} if timestamp else {})
        )
    notebook = nbformat.read(target / result.notebook_name, as_version=4)
    resources = {
        "nbgrader": {
            "db_url": course.db_url(root),
            "assignment": result.assignment,
            "notebook": Path(result.notebook_name).stem,
            "student": result.student,
        }
    }
    for step in (SaveAutoGrades(), AssignLatePenalties()):
        notebook, resources = step.preprocess(notebook, resources)
    outcome.score = course.total_score(root, result.assignment, result.student)
    return outcome
