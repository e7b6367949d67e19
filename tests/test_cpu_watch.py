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


# A worker that burns a second of CPU, then outlives its parent and is reaped outside the tree.
ORPHANED_WORKER = (
    f'{sys.executable} -c "import os, time\n'
    "if os.fork() == 0:\n"
    "    end = time.process_time() + 1\n"
    "    while time.process_time() < end: pass\n"
    "    time.sleep(3)\n"
    "else:\n"
    '    time.sleep(2)"'
)


def test_cpu_of_a_process_reaped_outside_the_tree_still_counts():
    activity = watch(ORPHANED_WORKER, 3.0)
    totals = [seconds for _, seconds in activity.samples]
    assert totals == sorted(totals), "the tree's CPU time never goes down"
    assert totals[-1] > 0.8
