"""Grading on a real Dask cluster over TCP: a `dask scheduler` and two `grader worker` processes on
127.0.0.1, each worker in its own scratch folder. Workers are killed in the middle of a task; the
instructor's process is interrupted and run again (grader/cluster.py, grader/autograde.py)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import cloudpickle
import pytest
from test_autograde import EXPECTED

from grader import autograde, cluster, course, submissions
from grader.hidden_tests.quiz.variants import HOSTILE, VARIANTS

# what the embedded cluster gives these submissions (tests/test_autograde.py grades them there)
CLASS = {name: EXPECTED[name][0] for name in ("solution", "half_right", "untouched", "kernel_killer")}
# the workers cannot import this test module: its functions travel by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory, prepared_data):
    """tcp://127.0.0.1:PORT with two workers, each in a scratch folder of its own; a task whose worker
    dies is tried 3 times in all."""
    base = tmp_path_factory.mktemp("cluster")
    folders = [base / "worker-one", base / "worker-two"]
    for folder in folders:
        folder.mkdir()
    with open(base / "cluster.log", "ab") as log, cluster.on_this_machine(folders, log=log) as address:
        yield address


def new_class(root_parent, name: str, students=CLASS) -> object:
    root = course.private_copy(root_parent / name, ["quiz"])
    source, release = course.read(root, "source", "quiz"), course.read(root, "release", "quiz")
    for variant in VARIANTS + HOSTILE:
        if variant.name in students:
            course.submit(root, "quiz", variant.name, submissions.build(source, release, variant))
    return root


def executing(dask_worker) -> tuple[int, list[str]]:  # sent to the workers by value (below)
    """Runs on a worker: its pid and the keys of the tasks it is executing now."""
    return os.getpid(), [str(task.key) for task in dask_worker.state.executing]


def kill_workers_running(address: str, student: str, times: int, stop: threading.Event) -> list[int]:
    """Kills whichever worker has run `student`'s task for 1.5 s (inside the grading, not at its start),
    up to `times` times; returns the killed pids.  It never waits for a killed worker's replacement: the
    retry may start at once on the other worker, and a fast machine grades it before the nanny is back."""
    from distributed import Client

    killed, seen = [], {}  # seen: pid -> when the student's task was first seen running there
    with Client(address, timeout="30s") as client:
        while not stop.is_set() and len(killed) < times:
            for pid, keys in client.run(executing, on_error="ignore").values():  # the dead answer nothing
                if pid in killed or not any(f"-{student}-" in key for key in keys):
                    seen.pop(pid, None)
                    continue
                if time.monotonic() - seen.setdefault(pid, time.monotonic()) >= 1.5:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.25)
    return killed


@pytest.mark.slow
def test_a_tcp_cluster_grades_like_the_embedded_one_and_survives_a_killed_worker(scheduler, tmp_path):
    on_cluster = new_class(tmp_path, "cluster")
    stop = threading.Event()
    killer_result = []
    killer = threading.Thread(
        target=lambda: killer_result.extend(kill_workers_running(scheduler, "half_right", 1, stop))
    )
    killer.start()
    remote = autograde.autograde(on_cluster, "quiz", progress=False, scheduler=scheduler)
    stop.set()
    killer.join()
    assert len(killer_result) == 1, "half_right's worker was killed once, mid-task"
    assert {o.student: (o.status, o.score) for o in remote} == {
        s: ("graded", score) for s, score in CLASS.items()
    }
    gradebook = course.scores(on_cluster, "quiz")
    assert {s: row["total"] for s, row in gradebook.items()} == CLASS  # each once, graded on another worker
    outcomes = json.loads((on_cluster / "reports" / "quiz" / "outcomes.json").read_text())
    assert sorted(o["student"] for o in outcomes) == sorted(CLASS)


@pytest.mark.slow
def test_a_submission_that_kills_its_worker_every_time_ends_failed(scheduler, tmp_path):
    root = new_class(tmp_path, "doomed", {"solution": 32, "half_right": 27})
    stop = threading.Event()
    killed = []
    killer = threading.Thread(
        target=lambda: killed.extend(kill_workers_running(scheduler, "half_right", 3, stop))
    )
    killer.start()
    outcomes = {o.student: o for o in autograde.autograde(root, "quiz", progress=False, scheduler=scheduler)}
    stop.set()
    killer.join()
    assert len(killed) == 3
    assert (
        outcomes["half_right"].status == "failed"
        and "stopped its worker 3 times" in outcomes["half_right"].reason
    )
    assert (outcomes["solution"].status, outcomes["solution"].score) == ("graded", 32)
    assert course.scores(root, "quiz")["half_right"]["total"] == 0  # in the gradebook, with no points


def interrupt_as_in_a_terminal() -> None:
    """SIGINT at its default in the child: a shell running this test in the background (`.ci/run &`) ignores
    SIGINT for its children, and Python keeps an ignored SIGINT ignored, so Ctrl+C would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_an_interrupted_run_keeps_what_it_graded_and_grades_the_rest(scheduler, tmp_path):
    root = new_class(tmp_path, "interrupted")
    command = [sys.executable, "-m", "grader.cli", "autograde", "quiz", "--course", str(root)]
    command += ["--scheduler", scheduler]
    outcomes_file = root / "reports" / "quiz" / "outcomes.json"
    first = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interrupt_as_in_a_terminal,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (
        outcomes_file.exists() and len(json.loads(outcomes_file.read_text() or "[]")) >= 1
    ):
        time.sleep(0.5)
    first.send_signal(signal.SIGINT)  # the instructor presses Ctrl+C
    first.communicate(timeout=120)
    kept = {o["student"]: o for o in json.loads(outcomes_file.read_text())}
    assert 1 <= len(kept) < len(CLASS), kept

    second = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    after = {o["student"]: o for o in json.loads(outcomes_file.read_text())}
    for student, outcome in kept.items():  # kept, not graded again
        assert after[student]["seconds"] == outcome["seconds"], student
    assert f"{len(CLASS) - len(kept)} submissions on {scheduler}" in second.stderr
    assert {s: row["total"] for s, row in course.scores(root, "quiz").items()} == CLASS

    forced = subprocess.run(command + ["--force"], capture_output=True, text=True, timeout=900)
    assert f"{len(CLASS)} submissions on {scheduler}" in forced.stderr


def test_the_embedded_cluster_leaves_this_process_environment_as_it_was():
    watched = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    before = dict(os.environ)
    with cluster.connect(workers=1) as client:
        on_worker = client.run(lambda: {name: os.environ.get(name) for name in watched})
    assert dict(os.environ) == before  # the nanny's variables do not stay behind in the instructor's process
    assert list(on_worker.values()) == [{name: before.get(name) for name in watched}]


def test_a_kernel_never_gets_the_nannys_malloc_trim_threshold(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # as a stock `dask worker` sets it
    environment = autograde._worker_environment(2)
    assert "MALLOC_TRIM_THRESHOLD_" not in environment
    assert environment["OMP_NUM_THREADS"] == environment["TF_NUM_INTRAOP_THREADS"]
