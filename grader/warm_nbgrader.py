"""A warm `nbgrader autograde`: each worker imports nbgrader once, then forks it per submission.

Starting `python -m nbgrader` costs about 3.5 s of CPU before it reads a notebook (half of it
jsonschema compiling a URI grammar on import).  Stock nbgrader pays that once per assignment; a
scheduler that starts one nbgrader per submission paid it 24 times for the demo class, on cores
that were busy training.  Here a server imports everything once and forks a fresh child for every
submission: the child is exactly `nbgrader autograde ASSIGNMENT --student S --force` (same app,
same course config, read afresh from the environment), in its own process group so that a time
limit can kill it and all it started, and nothing of one submission outlives it into the next.

Protocol (JSON lines): the scheduler writes {"root", "assignment", "student", "log", "env"}
(variables for this submission only: its temp folder and cgroup parent); the server
answers {"pid"} once the child runs, then {"returncode", "peak_kb"} when it has ended.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

# What `nbgrader autograde` with the course config imports; importing it here makes it shared.
PRELOAD = (
    "nbgrader.apps.nbgraderapp",
    "nbgrader.preprocessors",
    "nbconvert.preprocessors",
    "grader.preprocessors",
    "grader.sandbox",
)


class WorkerGone(RuntimeError):
    """The server itself stopped (never the fault of a submission: student code runs further down)."""


def _autograde_in_child(job: dict) -> None:
    """Runs in the forked child; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.environ.update(job.get("env", {}))
        tempfile.tempdir = None  # forked with the server's cached temp folder: read TMPDIR again
        devnull = os.open(os.devnull, os.O_RDWR)
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # stdout is the server's reply channel: nbgrader must not write to it
        os.dup2(log, 2)
        os.chdir(job["root"])
        sys.argv = ["nbgrader", "autograde", job["assignment"], "--student", job["student"], "--force"]
        from nbgrader.apps.nbgraderapp import main

        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        logging.shutdown()
        sys.stderr.flush()
        os._exit(code)


def _die_with(parent: int, running: dict) -> None:
    """Stop the submission being graded, then this server, once the process that started us is gone
    (a Dask worker killed mid-task): its task is graded again elsewhere, so this one must not go on
    writing into the course folder beside the new attempt."""
    while os.getppid() == parent:
        time.sleep(0.5)
    if running.get("pid"):
        try:
            os.killpg(running["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(1)


def serve(requests, replies) -> None:
    running = {}
    threading.Thread(target=_die_with, args=(os.getppid(), running), daemon=True).start()
    for line in requests:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _autograde_in_child(job)
        running["pid"] = pid
        try:
            os.setpgid(pid, pid)  # also here, so that the group exists before the pid is announced
        except OSError:
            pass  # the child got there first, or has already ended
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status, usage = os.wait4(pid, 0)
        running["pid"] = None
        ended = {"returncode": os.waitstatus_to_exitcode(status), "peak_kb": usage.ru_maxrss}
        replies.write(json.dumps(ended) + "\n")
        replies.flush()


class WarmNbgrader:
    """The scheduler's handle on one server process; grades one submission at a time."""

    def __init__(self, env: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.warm_nbgrader"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a Ctrl-C meant for the scheduler reaches it once, not here
        )

    def _reply(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise WorkerGone(f"the warm nbgrader server ended (exit code {self.process.wait()})")
        return json.loads(line)

    def autograde(
        self, root: Path, assignment: str, student: str, log: Path, started_pid, env: dict | None = None
    ) -> tuple[int, int]:
        """(nbgrader's exit code, negative for a signal; peak RSS of its process tree in kB)."""
        job = {"root": str(root), "assignment": assignment, "student": student, "log": str(log)}
        job["env"] = env or {}
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError as error:
            raise WorkerGone("the warm nbgrader server ended") from error
        started_pid(self._reply()["pid"])
        ended = self._reply()
        return ended["returncode"], ended["peak_kb"]

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        self.process.wait()


def main() -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
