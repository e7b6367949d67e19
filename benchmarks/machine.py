"""The line every benchmark prints beside its figures: which CPU, how many cores, which day."""

import os
import time
from pathlib import Path

from grader import settings


def cpu_flags() -> str:
    """The vector extensions TensorFlow's speed depends on (AVX2 only, or AVX-512, AMX)."""
    flags = Path("/proc/cpuinfo").read_text().split("flags\t\t: ", 1)[1].split("\n", 1)[0].split()
    return " ".join(f for f in flags if f.startswith(("avx", "amx"))) or "no AVX"


def describe() -> str:
    onednn = settings.onednn()  # what notebooks are graded with
    line = (
        f"CPU flags: {cpu_flags()} · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d')}"
        f" · TF_ENABLE_ONEDNN_OPTS={onednn}"
    )
    # oneDNN (and the graded kernels, which the sandbox passes it to) limited to an older instruction set
    capped = os.environ.get("ONEDNN_MAX_CPU_ISA")
    return f"{line} · ONEDNN_MAX_CPU_ISA={capped}" if capped else line
