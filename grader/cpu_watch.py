"""How much CPU a submission's grading is using, read from /proc: the whole process tree of its
`nbgrader autograde`, sandboxed kernel and probe included.  The scheduler uses it to see a
submission that only waits (a cell looping on `time.sleep` until its timeout) and lend its core.

Lab submissions used to wait too: with TensorFlow 2.21 the ResNets kernel sat for about 30 s using no
CPU when `fit` dropped its tf.data iterator, the main thread in the iterator's destructor waiting for
tf.data's autotuning thread (gdb, 2026-12-02).  The notebook now turns autotuning off for its pipeline;
a student's own pipeline may still do it.  Stock nbgrader leaves the machine idle then; the scheduler
lends the core."""

import os
import time
from collections import deque
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_table() -> tuple[dict[int, list[int]], dict[int, float]]:
    """Every process's children and CPU seconds (its reaped children included), read once from /proc."""
    children: dict[int, list[int]] = {}
    seconds: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        seconds[pid] = sum(int(ticks) for ticks in fields[11:15]) / TICKS  # utime stime cutime cstime
    return children, seconds


def tree_cpu_seconds(root_pid: int, table=None) -> dict[int, float]:
    """CPU seconds of a process and of each live descendant, by pid (from `table`, else /proc now)."""
    children, seconds = table or process_table()
    found, stack = {}, [root_pid]
    while stack:
        pid = stack.pop()
        if pid in seconds:
            found[pid] = seconds[pid]
        stack += children.get(pid, [])
    return found


class Activity:
    """CPU use of one process tree over a sliding window of samples.

    A process keeps the CPU time it was last seen with after it ends: when a sandboxed kernel ended,
    its minutes of CPU could leave the sum (the process that reaps it is no longer in the tree; the
    sum fell by 72 s and 142 s on transfer-learning submissions), and the tree read as idle, which
    lent the worker of a busy submission.  Time counted twice (a child reaped inside the tree) only
    makes a tree look busier."""

    def __init__(self, pid: int, window: float = 15.0):
        self.pid, self.window = pid, window
        self.samples: deque[tuple[float, float]] = deque()
        self.seen: dict[int, float] = {}

    def sample(self, table=None) -> None:
        """`table`: one process_table() shared by every tree sampled at this moment."""
        now = time.monotonic()
        for pid, seconds in tree_cpu_seconds(self.pid, table).items():
            self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))
        self.samples.append((now, sum(self.seen.values())))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()

    def waiting(self, share: float = 0.1) -> bool:
        """True when, over a whole window, the tree used less than `share` of one core."""
        if len(self.samples) < 2:
            return False
        (first_time, first_cpu), (last_time, last_cpu) = self.samples[0], self.samples[-1]
        span = last_time - first_time
        return span >= self.window and last_cpu - first_cpu < share * span
