"""Where the course reads and writes its data, from environment variables with safe defaults.

CASE_STUDIES_MIRROR       offline mirror (datasets/, keras/models/); unset: download from public URLs
CASE_STUDIES_DATA         prepared data students may read (released with the notebooks)
CASE_STUDIES_GRADER_DATA  grader-only splits, never visible to students
CASE_STUDIES_QUICK        "1": the documented training knob (fewer epochs) for tests and the demo
CASE_STUDIES_SANDBOX      "0": run student code without the bubblewrap sandbox (default: sandboxed)
CASE_STUDIES_CELL_TIMEOUT seconds one notebook cell may run when grading (default 1200: training)
CASE_STUDIES_HIDDEN_TESTS the hidden suites (default grader/hidden_tests)
CASE_STUDIES_TIME_SCALE   set by `grader autograde` for its workers: how much longer every time
                          limit is for a submission graded beside others (1 when graded alone)
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def mirror_dir() -> Path | None:
    value = os.environ.get("CASE_STUDIES_MIRROR")
    return Path(value).expanduser().resolve() if value else None


def student_data_dir() -> Path:
    return _path_from_env("CASE_STUDIES_DATA", REPO / "data" / "prepared" / "students")


def grader_data_dir() -> Path:
    return _path_from_env("CASE_STUDIES_GRADER_DATA", REPO / "data" / "prepared" / "grader_only")


def download_cache_dir() -> Path:
    return _path_from_env("CASE_STUDIES_DOWNLOADS", Path.home() / ".cache" / "case_studies")


def worker_dir() -> Path:
    """Where grading workers keep their scratch courses (one per assignment and course version)."""
    return _path_from_env("CASE_STUDIES_WORKER_DIR", Path.home() / ".cache" / "case_studies" / "workers")


def keras_home() -> Path:
    """Keras writes keras.json into KERAS_HOME, so it is a folder of ours, never the mirror."""
    return student_data_dir() / "keras"


def quick_mode() -> bool:
    return os.environ.get("CASE_STUDIES_QUICK") == "1"


def tool_path() -> str:
    """PATH with this interpreter's bin first: nbgrader runs `alembic` and kernels from there."""
    import sys

    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])


def sandbox_enabled() -> bool:
    return os.environ.get("CASE_STUDIES_SANDBOX", "1") != "0"


def cell_timeout() -> int:
    return int(os.environ.get("CASE_STUDIES_CELL_TIMEOUT", "1200"))


def time_scale() -> float:
    return float(os.environ.get("CASE_STUDIES_TIME_SCALE", "1"))


def hidden_tests_dir() -> Path:
    """The hidden suites (CASE_STUDIES_HIDDEN_TESTS: e.g. kept outside the course repository)."""
    return _path_from_env("CASE_STUDIES_HIDDEN_TESTS", REPO / "grader" / "hidden_tests")


def onednn() -> str:
    """TF_ENABLE_ONEDNN_OPTS for every TensorFlow the course starts: on unless the machine says otherwise.

    TensorFlow turns its oneDNN kernels on by itself only on CPUs with AVX-512; on an AVX2-only CPU the
    ResNets lab trained 3.1x faster with them (benchmarks/RESULTS.md, resnets_recipes.py).
    """
    return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1")


def kernel_environment() -> dict[str, str]:
    """Variables every notebook kernel (student, grader, lecture) runs with."""
    return {
        "CASE_STUDIES_DATA": str(student_data_dir()),
        "KERAS_HOME": str(keras_home()),
        "TF_CPP_MIN_LOG_LEVEL": "2",  # keep C++ banners out of cell stderr
        "TF_ENABLE_ONEDNN_OPTS": onednn(),
        "CASE_STUDIES_QUICK": "1" if quick_mode() else "0",
        "MPLBACKEND": "agg",
        "PATH": tool_path(),
    }
