"""Autograding a class: every submission one Dask task (grader.cluster), graded by a worker in a
scratch course of its own (grader.grading_task) and replayed here, in the only process that writes
the course folders and the gradebook.

On the worker, grading a submission is `nbgrader autograde --student` forked from a warm nbgrader
(grader.warm_nbgrader) on nbgrader's own folders, so a TA can still use nbgrader directly. What
nbgrader leaves to luck is decided here: a notebook that is not valid JSON is refused before it
travels, a submission past its wall time is stopped, and every submission ends with a recorded
outcome (its reason, its score, its time and memory) whatever happened to the others.
"""

import json
import math
import os
import queue
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from sqlalchemy.exc import SAWarning

from grader import course, safe_files, settings
from grader.warm_nbgrader import WarmNbgrader, WorkerGone

# grader.sandbox is imported where used: importing it first, before grader.preprocessors, is circular.


GRADER_ERROR = "grader error"  # the grader could not judge: no grade recorded, `grader autograde` exits 3


@dataclass
class Outcome:
    student: str
    # "graded", "refused" (not gradable), "failed" (nbgrader stopped), "timed out", or GRADER_ERROR
    status: str
    reason: str
    score: float
    max_score: float
    seconds: float
    peak_memory_mb: float
    submitted: str = ""  # the submission's timestamp.txt: a later hand-in is graded again
    overhead_seconds: float = 0.0  # what the cluster adds: packing, the worker's set-up, replaying
    course_version: str = ""  # grading_task.course_version: new hidden tests grade everyone again


def reports_dir(root: Path, assignment: str) -> Path:
    return root / "reports" / assignment


def submitted_students(root: Path, assignment: str) -> list[str]:
    folder = root / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir())


def adopt_renamed_notebook(root: Path, assignment: str, student: str) -> str:
    """A notebook saved under another name (`Residual_Networks (1).ipynb`) is graded as the expected
    one when it is the only notebook submitted: a copy under the expected name; returns the note."""
    folder = root / "submitted" / student / assignment
    expected = folder / course.notebook_name(root, assignment)
    others = sorted(folder.glob("*.ipynb"))
    if expected.exists() or len(others) != 1 or safe_files.why_unsafe(others[0]):
        extra = [p.name for p in others if p != expected] if expected.exists() else []
        return f"also submitted, not graded: {', '.join(extra)}" if extra else ""
    safe_files.copy(others[0], expected)
    return f"{others[0].name!r:.80} graded as {expected.name}"


def refusal(root: Path, assignment: str, student: str) -> str | None:
    """Why a submission cannot be graded at all, or None."""
    folder = root / "submitted" / student / assignment
    path = folder / course.notebook_name(root, assignment)
    # nbgrader copies submitted files with links followed: only plain files may be graded.
    for parent, folders, files in os.walk(folder):
        for name in sorted(folders + files):
            why = safe_files.why_unsafe(Path(parent) / name)
            if why and why != "a folder":
                return f"{name!r:.80} in the submission is {why}: submit plain files only"
    if not path.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        if len(others) > 1:
            return f"{len(others)} notebooks, none named {path.name}: submit only the one to grade, so named"
        return f"no {path.name} in the submission"
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as error:  # JSON, schema or encoding: all mean "not a notebook"
        return f"not a valid notebook: {str(error).splitlines()[0][:200]}"
    return None


THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)
# Set by Dask's nanny for its workers (`distributed.nanny.pre-spawn-environ`), never for a kernel: a
# fixed trim threshold also fixes glibc's mmap threshold, so large tensors are returned to the system
# and fetched again, page by page, at every training step.
NOT_FOR_KERNELS = ("MALLOC_TRIM_THRESHOLD_",)


def _worker_environment(workers: int) -> dict[str, str]:
    """Each worker's TensorFlow may use twice its share of the cores.  With exactly its share, a core
    sat idle whenever the other worker was starting up, between steps, or done while the last long
    submission trained on one thread (302 s for the benchmark class on 2 cores); with twice, the class
    took 285 s.  Capped so that many workers do not start thousands of threads.

    Threads then outnumber cores by up to `workers * threads / cores`, and a cell runs up to that
    many times slower than alone: the course config stretches every time limit by it, so that a
    cell near its limit is not cut short only because others were graded at the same time."""
    cores = os.cpu_count() or 1
    threads = max(1, min(cores, 2 * cores // workers))
    env = {k: v for k, v in os.environ.items() if k not in NOT_FOR_KERNELS}
    env.update(settings.kernel_environment())
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    env["CASE_STUDIES_TIME_SCALE"] = f"{max(1.0, workers * threads / cores):g}"
    return env


class _Servers:
    """Warm nbgrader servers not grading anything now; a new one starts when none is idle."""

    def __init__(self, env: dict):
        self.env, self.idle, self.all = env, queue.SimpleQueue(), []

    def take(self) -> WarmNbgrader:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            server = WarmNbgrader(self.env)
            self.all.append(server)
            return server

    def close(self) -> None:
        for server in self.all:
            server.close()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except ProcessLookupError:
        pass


def _run_nbgrader(root: Path, assignment: str, student: str, servers: _Servers, timeout: float):
    """Returns (returncode or None on timeout, stderr, seconds, peak RSS of the process tree in MB)."""
    from grader import sandbox

    started = time.monotonic()
    children, timers = [], []

    def begun(pid: int) -> None:
        children.append(pid)
        timers.append(threading.Timer(timeout, _kill_group, (pid,)))
        timers[-1].start()

    # Everything the submission leaves (temp files, cgroups) is in one folder and one group, removed
    # here however it ended: a nbgrader killed at its time limit runs none of its own cleanups.
    folder, group = Path(tempfile.mkdtemp(prefix="submission-")), f"submission-{uuid.uuid4().hex}"
    (folder / "tmp").mkdir()
    env = {"TMPDIR": str(folder / "tmp"), sandbox.CGROUP_PARENT: group}
    try:
        log = folder / "stderr.txt"
        for attempt in (1, 2):  # a server that stopped (never a submission's doing) is replaced once
            server = servers.take()
            try:
                code, peak_kb = server.autograde(root, assignment, student, log, begun, env)
                servers.idle.put(server)
                break
            except WorkerGone:
                for pid in children:  # its nbgrader may still run: stop it before grading again
                    _kill_group(pid)
                if attempt == 2:
                    raise
            finally:
                for timer in timers:
                    timer.cancel()
        stderr = log.read_text(errors="replace") if log.is_file() else ""
    finally:
        if sandbox.cgroups_writable():  # kills what is left in its sandboxes first
            sandbox.remove_cgroup_tree(group)
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    timed_out = code == -9 and elapsed >= timeout
    return (None if timed_out else code), stderr, elapsed, peak_kb / 1024


def _nbgrader_error(stderr: str) -> str:
    """The exception that stopped nbgrader (a traceback's last line), else its first logged error."""
    lines = stderr.splitlines()
    raised = [line for line in lines if re.match(r"([a-z_][\w]*\.)*[A-Z]\w*: ", line)]  # a.b.SomeError: ...
    logged = [
        re.sub(r"^\[.*?\]\s*", "", line)
        for line in lines
        if "| ERROR]" in line and "see the the above traceback" not in line
    ]
    return (raised[-1] if raised else logged[0] if logged else "nbgrader stopped without saying why")[:300]


def grade_one(
    root: Path,
    assignment: str,
    student: str,
    maximum: float,
    servers: _Servers,
    timeout: float,
) -> Outcome:
    """One submission, on a worker, in its scratch course. A renamed notebook was adopted before the
    task was sent (the note stays on the instructor's side); refusal is checked again here."""
    reason = refusal(root, assignment, student)
    if reason:
        course.record_zero(root, assignment, student)
        return Outcome(student, "refused", reason, 0.0, maximum, 0.0, 0.0)
    try:
        run = _run_nbgrader(root, assignment, student, servers, timeout)
    except WorkerGone as error:
        course.record_zero(root, assignment, student)
        return Outcome(student, "failed", f"{error}; grade this submission again", 0.0, maximum, 0.0, 0.0)
    code, stderr, seconds, memory = run
    score = course.total_score(root, assignment, student)
    if code is None:
        course.record_zero(root, assignment, student)
        return Outcome(
            student, "timed out", f"grading took longer than {timeout:.0f} s", 0.0, maximum, seconds, memory
        )
    if code != 0:
        fault = re.search(r"GraderError: (.*)", stderr)
        if fault:  # the grader's fault: no zero; the grade stays what it was
            reason = f"{fault.group(1)[:400]}; fix the grader, then grade this submission again"
            return Outcome(student, GRADER_ERROR, reason, score, maximum, seconds, memory)
        course.record_zero(root, assignment, student)
        log = reports_dir(root, assignment) / "logs" / f"{student}.log"  # nbgrader's own words, for staff
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(stderr[-50_000:])
        return Outcome(student, "failed", _nbgrader_error(stderr), 0.0, maximum, seconds, memory)
    reason = ""
    if "size limit" in stderr:
        reason = "its folder passed its size limit; credit from the checks that ran apart from it"
    elif "Kernel died" in stderr:
        reason = "the kernel died; credit from the checks that ran apart from it"
    elif "did not stop after its time limit" in stderr:
        reason = "a cell ignored its time limit; credit from the checks that ran apart from it"
    return Outcome(student, "graded", reason, score, maximum, seconds, memory)


class Progress:
    """One line on stderr per finished submission: finished / total per assignment (how many of them
    could not be graded), and the time left estimated from what each assignment's submissions take
    (earlier runs' median, else this run's), spread over the workers; no estimate while an assignment
    has no figure yet."""

    def __init__(self, root: Path, jobs: list[tuple[str, str]], slots: int, enabled: bool):
        self.enabled, self.slots = enabled, max(1, slots)
        self.left = {a: sum(1 for job in jobs if job[0] == a) for a, _ in jobs}
        self.done = dict.fromkeys(self.left, 0)
        self.failed = dict.fromkeys(self.left, 0)
        self.typical = {}
        for assignment in self.left:
            times = [o.seconds for o in load_outcomes(root, assignment) if o.status == "graded" and o.seconds]
            if times:
                self.typical[assignment] = statistics.median(times)
        self.seen: dict[str, list[float]] = {a: [] for a in self.left}

    def seconds_left(self) -> float | None:
        work = 0.0
        for assignment, count in self.left.items():
            seen = self.seen[assignment]
            typical = self.typical.get(assignment) or (statistics.median(seen) if seen else None)
            if count and typical is None:
                return None
            work += count * (typical or 0.0)
        return work / self.slots

    def update(self, assignment: str, outcome: Outcome) -> None:
        self.left[assignment] -= 1
        if outcome.status == "graded":
            self.done[assignment] += 1
            self.seen[assignment].append(outcome.seconds)
        else:
            self.failed[assignment] += 1
        if not self.enabled:
            return
        parts = []
        for a in self.left:
            finished = self.done[a] + self.failed[a]
            note = f" ({self.failed[a]} not graded)" if self.failed[a] else ""
            parts.append(f"{a} {finished}/{finished + self.left[a]}{note}")
        left = self.seconds_left()
        if left is None:
            estimate = "estimating the time left"
        elif left > 90:
            estimate = f"about {left / 60:.0f} min left"
        else:
            estimate = f"about {left:.0f} s left"
        sys.stderr.write(f"[grader] {' · '.join(parts)} · {estimate}\n")
        sys.stderr.flush()


def autograde(
    root: Path,
    assignment: str,
    students: list[str] | None = None,
    workers: int | None = None,
    timeout: float = 3600,
    progress: bool = True,
    scheduler: str | None = None,
    force: bool = True,
) -> list[Outcome]:
    students = students or submitted_students(root, assignment)
    jobs = [(assignment, s) for s in students]
    return autograde_many(root, jobs, workers, timeout, progress, scheduler, force)[assignment]


def longest_first(root: Path, jobs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Jobs in order of the time earlier runs took, longest first, so that short ones fill the end
    of the run instead of one long job running alone.  Jobs without history go first, in given order."""
    known = {}
    for assignment in {a for a, _ in jobs}:
        for outcome in load_outcomes(root, assignment):
            if outcome.status == "graded":
                known[assignment, outcome.student] = outcome.seconds
    typical = {
        assignment: statistics.median(t for (a, _), t in known.items() if a == assignment)
        for assignment in {a for a, _ in known}
    }
    return sorted(jobs, key=lambda job: -known.get(job, typical.get(job[0], math.inf)))


def submission_stamp(root: Path, assignment: str, student: str) -> str:
    path = root / "submitted" / student / assignment / "timestamp.txt"
    return safe_files.read_bytes(path, 1000).decode(errors="replace").strip() if path.is_file() else ""


def already_graded(root: Path, assignment: str, version: str) -> dict[str, Outcome]:
    """Per student, the outcome of an earlier run that graded this very submission (same hand-in time)
    against this very course (same version: hidden tests, source, configuration)."""
    kept = {}
    for outcome in load_outcomes(root, assignment):
        student = outcome.student
        if (
            outcome.submitted != submission_stamp(root, assignment, student)
            or outcome.course_version != version
        ):
            continue
        if outcome.status == "refused" or (
            outcome.status == "graded" and (root / "autograded" / student / assignment).is_dir()
        ):
            kept[student] = outcome
    return kept


def autograde_many(
    root: Path,
    jobs: list[tuple[str, str]],
    workers: int | None = None,
    timeout: float = 3600,
    progress: bool = True,
    scheduler: str | None = None,
    force: bool = True,
) -> dict[str, list[Outcome]]:
    """Grades (assignment, student) pairs on Dask (grader.cluster): an embedded cluster of `workers`
    processes, or the scheduler named. Each finished submission is saved at once, so a run stopped
    half-way keeps what it graded; without `force`, submissions graded before (same timestamp) are
    kept and skipped."""
    from grader import cluster, grading_task

    results: dict[str, list[Outcome]] = {assignment: [] for assignment, _ in jobs}
    versions = {assignment: grading_task.course_version(assignment, root) for assignment in results}
    kept = {a: {} if force else already_graded(root, a, versions[a]) for a in results}
    todo = []
    for assignment, student in jobs:
        if student in kept[assignment]:
            results[assignment].append(kept[assignment][student])
        else:
            todo.append((assignment, student))
    if todo:
        address = cluster.scheduler_address(scheduler)
        with cluster.connect(address, workers) as client:
            run = _Run(root, client, address, timeout, results, versions)
            run.grade(longest_first(root, todo), progress)
    for outcomes in results.values():
        outcomes.sort(key=lambda o: o.student)
    return results


class _Run:
    """One run on a Dask client: at most two tasks per worker in flight (a task holds a submission's
    files in memory), each result replayed into the course as soon as it arrives."""

    def __init__(
        self, root: Path, client, address: str | None, timeout: float, results: dict, versions: dict
    ):
        self.root, self.client, self.address, self.timeout = root, client, address, timeout
        self.results, self.versions = results, versions
        self.maxima = {assignment: course.max_scores(root, assignment)["total"] for assignment in results}
        self.owner: dict[str, tuple[str, str, str]] = {}
        self.packing: dict[str, float] = {}
        self.bar: Progress

    def finish(self, assignment: str, student: str, outcome: Outcome) -> None:
        outcome.submitted = submission_stamp(self.root, assignment, student)
        outcome.course_version = self.versions[assignment]
        save_outcomes(self.root, assignment, [outcome])
        self.results[assignment].append(outcome)
        self.bar.update(assignment, outcome)

    def failed(self, assignment: str, student: str, status: str, reason: str) -> Outcome:
        if status != GRADER_ERROR:  # the grader's fault: no zero, the grade stays what it was
            course.record_zero(self.root, assignment, student)
        return Outcome(student, status, reason, 0.0, self.maxima[assignment], 0.0, 0.0)

    def submit(self, assignment: str, student: str, running) -> None:
        from grader import cluster, grading_task

        note = adopt_renamed_notebook(self.root, assignment, student)
        reason = refusal(self.root, assignment, student)
        if reason:  # refused here, before any worker: nothing of it travels
            self.finish(assignment, student, self.failed(assignment, student, "refused", reason))
            return
        started = time.monotonic()
        task = grading_task.pack(self.root, assignment, student, self.versions[assignment])
        key = f"grade-{assignment}-{student}-{uuid.uuid4().hex[:8]}"
        local = None if self.address else str(self.root)  # embedded: the workers share this machine
        future = self.client.submit(cluster.grade_on_worker, task, self.timeout, local, pure=False, key=key)
        self.owner[future.key] = (assignment, student, note)
        self.packing[future.key] = time.monotonic() - started
        running.add(future)

    def grade(self, jobs: list[tuple[str, str]], progress: bool) -> None:
        from distributed import as_completed

        from grader import cluster

        slots = sum(self.client.nthreads().values()) or 1
        self.bar = Progress(self.root, jobs, slots, progress)
        if progress:
            where = self.address or "an embedded cluster"
            link = cluster.dashboard(self.client)
            board = f"; dashboard {link}" if link else ""
            sys.stderr.write(f"[grader] {len(jobs)} submissions on {where} ({slots} workers){board}\n")
        pending, running = deque(jobs), as_completed()
        with warnings.catch_warnings():  # nbgrader's SQLAlchemy warnings would garble the progress lines
            warnings.simplefilter("ignore", SAWarning)
            self._loop(pending, running)

    def _loop(self, pending, running) -> None:
        from distributed.scheduler import KilledWorker

        from grader import cluster, grading_task

        while pending or running.count():
            while pending and running.count() < 2 * self.bar.slots:
                self.submit(*pending.popleft(), running)
            if not running.count():
                continue
            future = next(running)
            assignment, student, note = self.owner.pop(future.key)
            packing = self.packing.pop(future.key)
            try:
                result, started = future.result(), time.monotonic()
                outcome = grading_task.replay(self.root, result, (assignment, student))
                replaying = time.monotonic() - started
                outcome.overhead_seconds = (
                    packing + max(0.0, result.worker_seconds - outcome.seconds) + replaying
                )
                if note and outcome.status == "graded" and not outcome.reason:
                    outcome.reason = note
            except KilledWorker as error:
                tries = getattr(error, "allowed_failures", cluster.ALLOWED_FAILURES) + 1
                reason = f"grading it stopped its worker {tries} times; not graded"
                outcome = self.failed(assignment, student, "failed", reason)
            except grading_task.CourseMismatch as error:
                outcome = self.failed(assignment, student, GRADER_ERROR, str(error))
            except grading_task.BadResult as error:
                outcome = self.failed(
                    assignment, student, "failed", f"the worker's result was refused: {error}"
                )
            except Exception as error:  # the grader's own fault on the worker: never the batch's end
                reason = f"the worker failed: {type(error).__name__}: {str(error)[:300]}; grade it again"
                outcome = self.failed(assignment, student, GRADER_ERROR, reason)
            self.finish(assignment, student, outcome)


def save_outcomes(root: Path, assignment: str, outcomes: list[Outcome]) -> Path:
    """Merged with earlier runs: regrading some students keeps the others' records. Written whole and
    renamed into place, so a run interrupted while saving leaves the previous file, never half of one."""
    path = reports_dir(root, assignment) / "outcomes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    known = {o["student"]: o for o in json.loads(path.read_text())} if path.is_file() else {}
    known.update({o.student: asdict(o) for o in outcomes})
    safe_files.write_text(path, json.dumps(sorted(known.values(), key=lambda o: o["student"]), indent=1))
    return path


def load_outcomes(root: Path, assignment: str) -> list[Outcome]:
    path = reports_dir(root, assignment) / "outcomes.json"
    return [Outcome(**o) for o in json.loads(path.read_text())] if path.is_file() else []
