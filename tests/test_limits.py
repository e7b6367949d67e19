"""Limits on what student code writes (file size, folder size) and how the grader picks its
process-tree limits (cgroup v1, a delegated cgroup v2 subtree, or rlimits only) on a host."""

import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from grader import sandbox
from grader.sandbox import CgroupMode, SandboxedKernelManager, SandboxPolicy, run_sandboxed

MB = 1 << 20
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason=sandbox.INSTALL_HINT)
# Writes 4 MB files until a write fails; prints how many and why.
FILLER = """
count = 0
try:
    while True:
        with open(f"fill_{count}.bin", "wb") as out:
            for _ in range(4):
                out.write(b"x" * 2**20)
        count += 1
except OSError as error:
    print(count, error.errno)
"""


@needs_bwrap
def test_one_file_stops_at_the_file_size_limit(tmp_path):
    """RLIMIT_FSIZE: the write past it fails with EFBIG (27); Python ignores SIGXFSZ."""
    one_file = "f = open('big', 'wb')\ntry:\n    f.write(b'x' * (64 << 20))\n"
    one_file += "except OSError as e:\n    print(e.errno)"
    result = run_sandboxed(
        SandboxPolicy(work_dir=tmp_path, folder_bytes=32 * MB), [sys.executable, "-c", one_file]
    )
    assert result.stdout.strip() == "27", result.stderr
    assert (tmp_path / "big").stat().st_size == 32 * MB


@needs_bwrap
def test_a_sandbox_filling_its_folder_is_stopped_and_what_it_wrote_removed(tmp_path):
    (tmp_path / "kept.txt").write_text("the grader's input")
    policy = SandboxPolicy(work_dir=tmp_path, folder_bytes=64 * MB)
    started = time.monotonic()
    result = run_sandboxed(policy, [sys.executable, "-c", FILLER], timeout=120)
    assert result.returncode == -9 and "size limit of 64 MB" in result.stderr, result.stdout
    assert time.monotonic() - started < 30
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


@needs_bwrap
def test_a_kernel_filling_its_folder_is_stopped_and_says_why(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FILLER)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        kernel_manager_class=SandboxedKernelManager,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.km = manager = client.create_kernel_manager()
    manager.folder_limit = 64 * MB
    with pytest.raises(DeadKernelError):
        client.execute()
    assert "size limit of 64 MB" in manager.stopped_because
    written = sandbox.folder_size([tmp_path])
    print(f"kernel stopped with {written / MB:.0f} MB written for a 64 MB limit")
    assert 64 * MB < written < 64 * MB + 1024 * MB, "stopped within about a second of writing"


def fake_v2(root: Path, own: str, offered: str) -> Path:
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    folder = root / own.lstrip("/")
    folder.mkdir(parents=True)
    (folder / "cgroup.controllers").write_text(offered + "\n")
    (folder / "cgroup.subtree_control").write_text("")
    return folder


def test_own_cgroup_is_read_from_the_unified_line():
    hybrid = "9:name=systemd:/\n4:memory:/process_api/6cc9\n0::/\n"
    assert sandbox.own_cgroup_v2(hybrid) == "/"
    assert sandbox.own_cgroup_v2("0::/user.slice/user-1000.slice/session-3.scope\n").endswith("3.scope")
    assert sandbox.own_cgroup_v2("4:memory:/a\n1:cpu:/\n") is None, "v1 only"


def test_v1_is_chosen_when_its_memory_and_pids_hierarchies_are_writable(tmp_path):
    for ctl in ("memory", "pids"):
        (tmp_path / ctl).mkdir()
    assert sandbox.detect_cgroups(tmp_path, "4:memory:/\n0::/\n") == CgroupMode("v1", tmp_path)


def test_v2_is_chosen_in_a_delegated_group_offering_memory_and_pids(tmp_path):
    folder = fake_v2(tmp_path, "/user.slice/grader.service", "memory pids")
    assert sandbox.detect_cgroups(tmp_path, "0::/user.slice/grader.service\n") == CgroupMode("v2", folder)
    assert CgroupMode("v2", folder).folders("submission-1/abc") == [
        folder / "case_studies_sandbox/submission-1/abc"
    ]


def test_rlimits_only_when_v2_does_not_offer_both_controllers(tmp_path):
    fake_v2(tmp_path, "/user.slice/grader.service", "cpu memory")
    assert sandbox.detect_cgroups(tmp_path, "0::/user.slice/grader.service\n").version == "none"
    assert sandbox.detect_cgroups(tmp_path / "nothing", "0::/\n").version == "none"


def test_startup_line_says_when_the_process_limit_does_not_hold():
    as_root = sandbox.limits_in_force(CgroupMode("none"), euid=0)
    assert "processes none (RLIMIT_NPROC is ignored for root)" in as_root and as_root.endswith("cgroup none")
    assert "processes per user (RLIMIT_NPROC)" in sandbox.limits_in_force(CgroupMode("none"), euid=1000)
    v1 = sandbox.limits_in_force(CgroupMode("v1", Path("/sys/fs/cgroup")), euid=0)
    assert "per sandbox tree (cgroup v1)" in v1 and "folder size 2048 MB" in v1
