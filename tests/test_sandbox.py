"""The bubblewrap sandbox, exercised with real kernels (through nbclient) and real processes."""

import json
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

from grader import sandbox, settings
from grader.sandbox import SandboxedKernelManager, SandboxError, SandboxPolicy, run_sandboxed

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason=sandbox.INSTALL_HINT)

GIB = 1 << 30
# Defined in each probe: the name of the exception an action raises, or "ok".
ATTEMPT = """
def attempt(action):
    try:
        action()
        return "ok"
    except Exception as error:
        return type(error).__name__
"""


@pytest.fixture
def layout(tmp_path):
    """A work dir, a read-only data folder with a hidden part, and hidden folders inside and outside."""
    work, data = tmp_path / "work", tmp_path / "data"
    for folder in (work / "hidden_tests", data / "grader_only", tmp_path / "elsewhere"):
        folder.mkdir(parents=True)
    (data / "public.txt").write_text("public")
    for folder in (data / "grader_only", work / "hidden_tests", tmp_path / "elsewhere"):
        (folder / "secret.txt").write_text("secret")
    hidden = [data / "grader_only", work / "hidden_tests", tmp_path / "elsewhere"]
    return {"work": work, "data": data, "hidden": hidden, "secrets": [h / "secret.txt" for h in hidden]}


@pytest.fixture
def listener():
    """A TCP server on the host's loopback that accepts (and closes) connections."""
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: [server.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def run_notebook(work_dir: Path, sources: list[str], timeout: int = 120, **manager_config) -> list[str]:
    """Runs the cells in a sandboxed kernel configured like a TA would; returns each cell's text."""
    config = Config()
    for name, value in manager_config.items():
        setattr(config.SandboxedKernelManager, name, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        config=config,
        kernel_manager_class=SandboxedKernelManager,
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(work_dir)}},
        interrupt_on_timeout=True,  # as nbgrader's Execute does
    )
    client.execute()
    texts = []
    for cell in nb.cells:
        parts = [o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs]
        texts.append("".join(parts) + "".join(o.ename for o in cell.outputs if o.output_type == "error"))
    return texts


def test_kernel_runs_code_in_the_work_dir(layout):
    out = run_notebook(layout["work"], ["import numpy, os\nprint(os.getcwd())", "1 + 1"])
    assert out == [f"{layout['work']}\n", "2"]


def test_timeout_interrupts_the_cell_and_the_kernel_goes_on(layout):
    """bwrap does not pass SIGINT into the sandbox, so the manager interrupts by message."""
    out = run_notebook(layout["work"], ["import time; time.sleep(60)", "'still alive'"], timeout=3)
    assert out == ["KeyboardInterrupt", "'still alive'"]


def test_kernel_cannot_reach_a_host_port(layout, listener):
    socket.create_connection(("127.0.0.1", listener), timeout=5).close()  # reachable from outside
    connect = f"socket.create_connection(('127.0.0.1', {listener}), 5)"
    probe = f"import socket\n{ATTEMPT}\nprint(attempt(lambda: {connect}))"
    interfaces = "print([name for _, name in socket.if_nameindex()])"
    assert run_notebook(layout["work"], [probe, interfaces]) == ["ConnectionRefusedError\n", "['lo']\n"]


def _refused_inside(path: Path) -> str:
    """What a write to path reports inside the sandbox.  Under /tmp the sandbox has a private RAM
    folder (a checkout under /tmp is re-created there), so the write lands there, never on the host."""
    bound = [Path(p).resolve() for p in sandbox.default_read_only()]
    private = Path("/tmp") in path.parents and not any(b in path.parents for b in bound)
    return "ok" if private else "refused"


def test_kernel_writes_only_in_the_work_dir(layout):
    intruders = [settings.REPO / "intruder.txt", Path.home() / "intruder.txt", Path(sys.prefix) / "intruder"]
    writes = [f"print(attempt(lambda: open({str(p)!r}, 'w').write('x')))" for p in intruders]
    out = run_notebook(layout["work"], [ATTEMPT, "open('inside.txt', 'w').write('x')", *writes])
    assert out[1] == "1" and (layout["work"] / "inside.txt").read_text() == "x"
    refused = {"OSError", "FileNotFoundError", "PermissionError"}
    seen = [
        "ok" if text.strip() == "ok" else "refused" if text.strip() in refused else text for text in out[2:]
    ]
    assert seen == [_refused_inside(p) for p in intruders], out
    assert not any(p.exists() for p in intruders), "nothing reached the host"


def test_kernel_cannot_see_hidden_paths(layout):
    reads = [f"print(attempt(lambda: open({str(s)!r}).read()))" for s in layout["secrets"]]
    repo_grader = f"print(os.path.exists({str(settings.REPO / 'grader')!r}))"
    public = f"print(open({str(layout['data'] / 'public.txt')!r}).read())"
    out = run_notebook(
        layout["work"],
        [ATTEMPT + "import os", *reads, repo_grader, public],
        extra_hidden_paths=[str(h) for h in layout["hidden"]],
        extra_read_only_paths=[str(layout["data"])],
    )
    assert out[1:] == ["FileNotFoundError\n"] * 3 + ["False\n", "public\n"]
    assert all(s.read_text() == "secret" for s in layout["secrets"])  # covered, not emptied


def test_kernel_memory_limit_stops_a_large_allocation(layout):
    cells = ["import numpy as np", "a = np.ones(200_000_000 // 8); a.nbytes", "b = np.ones(2 * 2**30 // 8)"]
    out = run_notebook(layout["work"], cells, memory_limit=GIB)
    assert out[1:] == ["200000000", "MemoryError"]


def test_tensorflow_imports_under_a_realistic_limit(layout):
    """About 5 to 10 s on a shared CPU: TensorFlow's import dominates."""
    cells = ["import tensorflow as tf", "float(tf.reduce_sum(tf.ones((10, 10))))"]
    assert run_notebook(layout["work"], cells, memory_limit=4 * GIB)[1] == "100.0"


def test_tensorflow_runs_with_onednn_in_the_sandbox(layout, monkeypatch):
    """TensorFlow turns oneDNN on by itself only on CPUs with AVX-512; graded kernels always have it."""
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    cells = ["from tensorflow.python.util import _pywrap_util_port", "_pywrap_util_port.IsMklEnabled()"]
    assert run_notebook(layout["work"], cells, memory_limit=4 * GIB)[1] == "True"


def test_a_cap_on_onednns_instruction_set_reaches_the_kernel_and_unlisted_variables_do_not(
    layout, monkeypatch
):
    """ONEDNN_MAX_CPU_ISA lets an AVX-512 machine time the labs with AVX2 kernels (benchmarks/RESULTS.md)."""
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    monkeypatch.setenv("CASE_STUDIES_TOKEN", "not for students")
    cell = "import os\nprint(os.environ.get('ONEDNN_MAX_CPU_ISA'), os.environ.get('CASE_STUDIES_TOKEN'))"
    assert run_notebook(layout["work"], [cell])[0] == "AVX2 None\n"


def test_run_sandboxed_obeys_the_same_rules(layout, listener):
    probe = f"""{ATTEMPT}
import json, socket
print(json.dumps({{
    "network": attempt(lambda: socket.create_connection(("127.0.0.1", {listener}), 5)),
    "write_inside": attempt(lambda: open("inside.txt", "w").write("x")),
    "write_repo": attempt(lambda: open({str(settings.REPO / "intruder.txt")!r}, "w").write("x")),
    "secrets": [attempt(lambda: open(s).read()) for s in {[str(s) for s in layout["secrets"]]!r}],
    "big_allocation": attempt(lambda: bytearray(2 * 2**30)),
}}))"""
    policy = SandboxPolicy(
        work_dir=layout["work"],
        read_only=sandbox.default_read_only() + [layout["data"]],
        hidden=sandbox.default_hidden() + layout["hidden"],
        memory_bytes=GIB,
    )
    result = run_sandboxed(policy, [sys.executable, "-c", probe], timeout=60)
    assert result.returncode == 0, result.stderr
    intruder = settings.REPO / "intruder.txt"
    assert not intruder.exists(), "nothing reached the host"
    assert json.loads(result.stdout) == {
        "network": "ConnectionRefusedError",
        "write_inside": "ok",
        "write_repo": "OSError" if _refused_inside(intruder) == "refused" else "ok",
        "secrets": ["FileNotFoundError"] * 3,
        "big_allocation": "MemoryError",
    }


@pytest.mark.skipif(not sandbox.cgroups_writable(), reason="cgroup v1 memory/pids not writable here")
def test_cgroup_limits_the_whole_process_tree(tmp_path):
    """Three children of 450 MiB each pass RLIMIT_DATA (1 GiB per process) but not the 1 GiB cgroup."""
    children = (
        "import subprocess, sys\n"
        "code = 'import time; b = b\"x\" * (450 << 20); time.sleep(3)'\n"
        "procs = [subprocess.Popen([sys.executable, '-c', code]) for _ in range(3)]\n"
        "print([p.wait() for p in procs])"
    )
    policy = SandboxPolicy(work_dir=tmp_path, memory_bytes=GIB)
    result = run_sandboxed(policy, [sys.executable, "-c", children], timeout=60)
    assert result.returncode != 0 or "-9" in result.stdout, (result.stdout, result.stderr)


@pytest.mark.skipif(
    not sandbox.cgroups_writable() and os.geteuid() == 0,
    reason="as root without a pids cgroup, RLIMIT_NPROC is not enforced",
)
def test_process_limit_stops_a_fork_bomb(tmp_path):
    bomb = (
        "import os, time\ncount = 0\ntry:\n    for _ in range(200):\n"
        "        if os.fork() == 0:\n            time.sleep(2)\n            os._exit(0)\n"
        "        count += 1\nexcept OSError:\n    pass\nprint(count)"
    )
    policy = SandboxPolicy(work_dir=tmp_path, max_processes=32)
    result = run_sandboxed(policy, [sys.executable, "-c", bomb], timeout=60)
    assert int(result.stdout) < 32, result.stderr


def test_missing_bwrap_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        sandbox.bwrap_command(SandboxPolicy(work_dir=tmp_path), ["true"])


def test_nbgrader_execute_uses_the_sandbox():
    """nbgrader passes kernel_manager_class as a keyword, so only the preprocessor swap takes effect."""
    config = Config()
    config.Execute.timeout = 7
    execute = sandbox.SandboxedExecute(config=config)
    assert execute.kernel_manager_class is SandboxedKernelManager and execute.timeout == 7
