"""The scheduler's view of a grading process tree: busy (computing) or only waiting."""

import os
import signal
import subprocess
import sys
import time

from grader import cpu_watch

BUSY = f"{sys.executable} -c 'while True: pass'"


def watch(command: str, seconds: float) -> cpu_watch.Activity:
    # A shell in between, as nbgrader sits between the scheduler and the kernel: the tree is counted.
    process = subprocess.Popen(["sh", "-c", f"{command}; :"], start_new_session=True)
    activity = cpu_watch.Activity(process.pid, window=1.0)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            activity.sample()
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return activity


def test_a_tree_that_computes_is_not_waiting():
    activity = watch(BUSY, 2.0)
    assert not activity.waiting()
    assert activity.samples[-1][1] - activity.samples[0][1] > 0.5


def test_a_tree_that_sleeps_is_waiting():
    assert watch("sleep 5", 2.0).waiting()


def test_too_short_a_history_is_not_waiting():
    assert not watch("sleep 5", 0.3).waiting()
