"""How much the bubblewrap sandbox adds: kernel start (to the first kernel_info reply) and a plain
`python -c pass`, with and without the sandbox.  Prints medians over a few runs.

    .venv/bin/python benchmarks/sandbox_overhead.py [runs]
"""

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from grader.sandbox import SandboxedKernelManager, SandboxPolicy, run_sandboxed


async def kernel_start_seconds(manager_class: type, work_dir: Path) -> float:
    manager = manager_class(kernel_name="python3")
    started = time.perf_counter()
    await manager.start_kernel(cwd=str(work_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    elapsed = time.perf_counter() - started
    client.stop_channels()
    await manager.shutdown_kernel(now=True)
    return elapsed


def command_seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main(runs: int) -> None:
    work_dir = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    policy = SandboxPolicy(work_dir=work_dir)
    plain = [sys.executable, "-c", "pass"]
    figures = {
        "kernel start, plain": lambda: asyncio.run(kernel_start_seconds(AsyncKernelManager, work_dir)),
        "kernel start, sandboxed": lambda: asyncio.run(
            kernel_start_seconds(SandboxedKernelManager, work_dir)
        ),
        "python -c pass, plain": lambda: command_seconds(lambda: subprocess.run(plain, check=True)),
        "python -c pass, sandboxed": lambda: command_seconds(
            lambda: run_sandboxed(policy, plain).check_returncode()
        ),
    }
    print(f"medians over {runs} runs (cgroup limits: {policy.use_cgroup})")
    for name, measure in figures.items():
        seconds = [measure() for _ in range(runs)]
        median, low, high = statistics.median(seconds), min(seconds), max(seconds)
        print(f"  {name:28s} {median:6.3f} s   (min {low:.3f}, max {high:.3f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
