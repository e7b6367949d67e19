"""Grading on Dask: every submission is one task, on this machine or on a cluster.

By default `grader autograde` starts an embedded `distributed.LocalCluster` sized for this machine;
`--scheduler tcp://HOST:8786` (or CASE_STUDIES_SCHEDULER) sends the same tasks to an existing
scheduler whose workers are this project installed with its data prepared (`grader worker`). A task
carries the submission's files and the course version (grader/grading_task.py); the worker grades it
in a scratch course of its own and returns the result, which the instructor's process replays.
"""

import logging
import os
import signal
import warnings
from contextlib import contextmanager

from grader import settings

SCHEDULER_ENV = "CASE_STUDIES_SCHEDULER"
LOCAL_WORKERS_ENV = "CASE_STUDIES_LOCAL_WORKERS"  # grading processes sharing one machine's cores
# A submission whose grading kills its worker is tried this many times on other workers, then failed.
ALLOWED_FAILURES = 2
# Dask's nanny sets these for its workers (numpy on one thread, glibc trimming memory); grading sets
# its own thread counts, and a fixed trim threshold slows TensorFlow (grader.autograde.NOT_FOR_KERNELS).
NO_NANNY_ENVIRONMENT = dict.fromkeys(
    ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
)

_servers = None  # one warm nbgrader per worker process (grader.warm_nbgrader), started on first use


def _worker_servers():
    from grader import autograde

    global _servers
    if _servers is None:
        _servers = autograde._Servers(
            autograde._worker_environment(int(os.environ.get(LOCAL_WORKERS_ENV, "1")))
        )
    return _servers


def grade_on_worker(task, timeout: float, course_root: str | None = None):
    """What a Dask worker runs for one submission."""
    from grader import grading_task

    return grading_task.grade(task, None, timeout, servers=_worker_servers(), course_root=course_root)


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to grade on: the one named, else CASE_STUDIES_SCHEDULER; None: an embedded cluster."""
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


@contextmanager
def connect(address: str | None = None, workers: int | None = None):
    """A Dask client: on the scheduler at address, else on an embedded cluster of `workers` processes
    (default: one per core)."""
    from distributed import Client

    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    count = max(1, workers or os.cpu_count() or 1)
    config = {
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
        "distributed.worker.daemon": False,
        "distributed.nanny.pre-spawn-environ": NO_NANNY_ENVIRONMENT,
        "temporary-directory": str(settings.worker_dir() / "dask"),  # not TMPDIR: a submission's own
    }
    # The nanny writes its variables into this process's environment before it spawns a worker; they
    # would reach every process started here afterwards (a lecture notebook ran 1.5-2x slower in the
    # test suite with OMP_NUM_THREADS=1 left behind), so the environment is put back as it was.
    environment = dict(os.environ)
    try:
        with _local_cluster(count, config) as cluster, Client(cluster) as client:
            yield client
    finally:
        os.environ.clear()
        os.environ.update(environment)


@contextmanager
def _local_cluster(count: int, config: dict):
    import dask
    from distributed import LocalCluster

    with dask.config.set(config), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "port 8787 is in use": the dashboard moves to another port
        cluster = LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            memory_limit=0,  # the sandbox limits each submission; Dask must not pause a training worker
            local_directory=str(settings.worker_dir() / "dask"),  # not TMPDIR: a submission's temp is its own
            dashboard_address=":0" if _has_dashboard() else None,
            silence_logs=logging.ERROR,
            env={LOCAL_WORKERS_ENV: str(count)},
        )
    with cluster:
        yield cluster


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def dashboard(client) -> str | None:
    try:
        return client.dashboard_link if client.scheduler_info().get("services", {}).get("dashboard") else None
    except Exception:
        return None


@contextmanager
def on_this_machine(scratch_folders: list, nworkers: int = 1, log=None):
    """The lab-machines setting on 127.0.0.1, for the tests and the throughput benchmark: a `dask
    scheduler` over TCP and one `grader worker --nworkers N` per scratch folder (its only folder: no
    view of any course). Yields the scheduler's address; stops everything on exit."""
    import socket
    import subprocess
    import sys

    from distributed import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "CASE_STUDIES_GRADEBOOK"}  # the workers' own
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(ALLOWED_FAILURES)  # as README's recipe
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    processes = [
        subprocess.Popen(scheduler + ["--port", str(port), "--no-dashboard"], env=env, stdout=log, stderr=log)
    ]
    try:
        for folder in scratch_folders:
            worker = [sys.executable, "-m", "grader.cli", "worker", address, "--nworkers", str(nworkers)]
            worker += ["--local-directory", str(folder)]
            processes.append(subprocess.Popen(worker, env=env, cwd=folder, stdout=log, stderr=log))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(nworkers * len(scratch_folders), timeout=300)
        yield address
    finally:
        for process in processes[::-1]:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
