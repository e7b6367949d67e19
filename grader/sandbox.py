"""Run student code (notebook kernels, probe scripts) inside a bubblewrap sandbox.

Inside, the process sees a read-only root built from a few binds (system folders, the Python
installation, the student data); only the submission's folder and a private /tmp are writable;
there is no network, no view of other processes, and hidden paths (tests, grader-only data,
gradebook, other submissions) are either never bound or covered by an empty tmpfs.

Memory is limited twice: RLIMIT_DATA per process (a clean MemoryError; unlike RLIMIT_AS it
ignores the large address-space reservations TensorFlow makes) and, when the grader may write
the cgroup v1 memory and pids controllers (root on this machine), a cgroup for the whole process
tree that also counts /tmp and child processes (cgroup v2 is not handled yet: rlimits only).
Wall time is handled by the caller.

nbgrader 0.9.6 passes kernel_manager_class to Execute as a keyword, which beats config
(c.Execute.kernel_manager_class is ignored), so enable the sandbox by listing SandboxedExecute
instead of Execute in c.Autograde.autograde_preprocessors.
"""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode, default

from grader import settings
from grader.preprocessors.resilient_execute import ResilientExecute

INSTALL_HINT = "bubblewrap (bwrap) is not installed; install bubblewrap: apt-get install bubblewrap"
SANDBOX_UID = 1000  # not root inside, so tools that refuse or behave differently as root act normally
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32")
# Only what Python, TensorFlow and matplotlib read in /etc: /etc/shadow and friends stay out.
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf")
ETC_ENTRIES += ("hosts", "ssl", "ca-certificates", "fonts", "alternatives", "mime.types")
# Variables that may cross into the sandbox; everything else (tokens, grader paths) is dropped.
ENV_PREFIXES = ("LANG", "LC_", "TZ", "CASE_STUDIES_", "KERAS_", "TF_CPP_", "TF_ENABLE_", "TF_NUM_")
ENV_PREFIXES += ("OMP_", "MKL_", "OPENBLAS_")
ENV_NAMES = {"MPLBACKEND", "PYTHONHASHSEED", "JPY_SESSION_NAME"}
ENV_SECRET = {"CASE_STUDIES_GRADER_DATA", "CASE_STUDIES_MIRROR", "CASE_STUDIES_DOWNLOADS"}
HOME = "/tmp/home"
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_GROUP = "case_studies_sandbox"


class SandboxError(RuntimeError):
    """The sandbox cannot be built; the message says what to install or fix."""


def default_read_only() -> list[Path]:
    """System folders, this Python (venv and base install) and the released student data."""
    python_dirs = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    etc = [Path("/etc") / name for name in ETC_ENTRIES]
    return [Path(p) for p in SYSTEM_DIRS] + etc + sorted(python_dirs) + [settings.student_data_dir()]


def default_hidden() -> list[Path]:
    """Grader-only material, plus CASE_STUDIES_SANDBOX_HIDDEN (os.pathsep-separated)."""
    assignments = settings.REPO / "assignments"
    hidden = [settings.grader_data_dir(), settings.REPO / "grader", assignments / "source"]
    hidden += [assignments / name for name in ("submitted", "autograded", "feedback", "gradebook.db")]
    extra = os.environ.get("CASE_STUDIES_SANDBOX_HIDDEN", "")
    return hidden + [Path(p).expanduser() for p in extra.split(os.pathsep) if p]


def cgroups_writable() -> bool:
    return all(os.access(CGROUP_V1 / ctl, os.W_OK) for ctl in ("memory", "pids"))


@dataclass
class SandboxPolicy:
    work_dir: Path  # the only writable folder: the submission's copy
    read_only: list[Path] = field(default_factory=default_read_only)
    hidden: list[Path] = field(default_factory=default_hidden)
    memory_bytes: int = 4 << 30
    max_processes: int = 256
    tmp_bytes: int = 512 << 20  # each of /tmp and /dev/shm: RAM that RLIMIT_DATA does not count
    keras_home: Path | None = field(default_factory=settings.keras_home)
    use_cgroup: bool = field(default_factory=cgroups_writable)
    writable_extra: list[Path] = field(default_factory=list)  # e.g. the kernel's socket folder
    # set inside, over the filtered caller env: by default what every course kernel runs with
    env: dict[str, str] = field(default_factory=settings.kernel_environment)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _bind_args(path: Path, flag: str) -> list[str]:
    """Binds path at the same place; a symlink (merged-/usr /lib) is recreated as a symlink."""
    if path.is_symlink() and path.parent == Path("/"):
        return ["--symlink", os.readlink(path), str(path)]
    return [flag, str(path), str(path)] if path.exists() else []


def _keras_home_args(keras_home: Path) -> list[str]:
    """Keras writes keras.json and falls back to /tmp (then downloads) when KERAS_HOME is read-only,
    so KERAS_HOME becomes a private tmpfs holding read-only binds of the (resolved) weight files."""
    args = ["--size", str(64 << 20), "--tmpfs", str(keras_home), "--dir", str(keras_home / "models")]
    models = keras_home / "models"
    for weights in sorted(models.iterdir()) if models.is_dir() else []:
        args += ["--ro-bind", str(weights.resolve()), str(models / weights.name)]
    return args


def _hidden_args(policy: SandboxPolicy, bound: list[Path]) -> list[str]:
    args = []
    for path in map(Path.resolve, policy.hidden):
        if not path.exists() or not any(_inside(path, b) for b in bound):
            continue  # never bound, hence already invisible
        if _inside(policy.work_dir, path):
            raise SandboxError(f"hidden path {path} contains the work dir {policy.work_dir}")
        args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    return args


def _sandbox_env(policy: SandboxPolicy, env: dict[str, str] | None) -> dict[str, str]:
    passed = {
        k: v
        for k, v in (os.environ if env is None else env).items()
        if (k in ENV_NAMES or k.startswith(ENV_PREFIXES)) and k not in ENV_SECRET
    }
    fixed = {"HOME": HOME, "USER": "student", "TMPDIR": "/tmp", "MPLCONFIGDIR": f"{HOME}/matplotlib"}
    fixed["PATH"] = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    return passed | fixed | policy.env


def bwrap_command(policy: SandboxPolicy, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The bwrap command line running argv under policy; env (default os.environ) is filtered."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxError(INSTALL_HINT)
    work_dir = Path(policy.work_dir).resolve()
    policy = replace(policy, work_dir=work_dir)
    cmd = [bwrap, "--die-with-parent", "--new-session", "--unshare-user", "--disable-userns"]
    cmd += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    cmd += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--size", str(policy.tmp_bytes), "--tmpfs", "/tmp"]
    cmd += ["--dir", HOME]  # IPython, matplotlib and Keras want a writable home
    # /dev is a RAM-backed tmpfs as large as half the machine: keep it read-only, cap /dev/shm.
    cmd += ["--size", str(policy.tmp_bytes), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    for path in policy.read_only:
        cmd += _bind_args(Path(path), "--ro-bind")
    for path in [work_dir, *policy.writable_extra]:
        cmd += ["--bind", str(path), str(path)]
    bound = [Path(p).resolve() for p in [*policy.read_only, work_dir, *policy.writable_extra]]
    keras_home = policy.keras_home
    if keras_home is not None and keras_home.is_dir() and any(_inside(keras_home, b) for b in bound):
        cmd += _keras_home_args(keras_home)
    cmd += _hidden_args(policy, bound)
    cmd += ["--remount-ro", "/", "--chdir", str(work_dir), "--clearenv"]
    for name, value in _sandbox_env(policy, env).items():
        cmd += ["--setenv", name, value]
    # prlimit sets soft and hard limits, and the capability-less sandbox cannot raise a hard one.
    # RLIMIT_NPROC is ignored by the kernel when the grader runs as root (the sandbox uid maps to
    # root outside), which is why the pids cgroup exists.
    limits = [f"--data={policy.memory_bytes}", f"--nproc={policy.max_processes}"]
    return cmd + ["--", "/usr/bin/prlimit", *limits, "--", *argv]


class Cgroup:
    """A cgroup v1 memory+pids pair for one sandbox; the launch command joins it before bwrap."""

    def __init__(self, policy: SandboxPolicy):
        self.dirs = [CGROUP_V1 / ctl / CGROUP_GROUP / uuid.uuid4().hex for ctl in ("memory", "pids")]
        for folder in self.dirs:
            folder.mkdir(parents=True)
        (self.dirs[0] / "memory.limit_in_bytes").write_text(str(policy.memory_bytes))
        (self.dirs[1] / "pids.max").write_text(str(policy.max_processes))

    def wrap(self, cmd: list[str]) -> list[str]:
        procs = " ".join(shlex.quote(str(d / "cgroup.procs")) for d in self.dirs)
        join = f'for p in {procs}; do echo $$ > "$p" || exit 125; done; exec "$@"'
        return ["/bin/sh", "-c", join, "sandbox-join", *cmd]

    def oom_killed(self) -> bool:
        return "oom_kill 0" not in (self.dirs[0] / "memory.oom_control").read_text()

    def remove(self, wait: float = 3.0) -> None:
        """rmdir succeeds once the last sandboxed process has gone; killed trees take a moment."""
        deadline = time.monotonic() + wait
        for folder in self.dirs:
            while folder.exists():
                try:
                    folder.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)


def run_sandboxed(
    policy: SandboxPolicy,
    argv: list[str],
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = False,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.CompletedProcess:
    """Runs a command (e.g. a probe script on student code) in the sandbox, capturing text output.

    On timeout, subprocess.run kills bwrap, --die-with-parent then kills the whole sandbox, and
    subprocess.TimeoutExpired propagates."""
    cmd = bwrap_command(policy, argv, env)
    cgroup = Cgroup(policy) if policy.use_cgroup else None
    try:
        cmd = cgroup.wrap(cmd) if cgroup else cmd
        # quiet: output goes nowhere, so a student's print loop cannot fill the grader's memory
        output = (
            {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            if quiet
            else {"capture_output": True}
        )
        return subprocess.run(
            cmd, text=True, timeout=timeout, cwd=policy.work_dir, pass_fds=pass_fds, **output
        )
    finally:
        if cgroup:
            cgroup.remove()


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside bwrap, with the folder it is started in (nbclient's cwd, i.e. the
    notebook's folder) as the work dir.  Sockets are unix sockets in a private folder bound into the
    sandbox, because the sandbox has no network, not even loopback to the host."""

    memory_limit = Integer(4 << 30, help="Bytes per process (RLIMIT_DATA) and per kernel (cgroup).").tag(
        config=True
    )
    max_processes = Integer(256, help="Processes and threads per kernel.").tag(config=True)
    extra_hidden_paths = List(Unicode(), help="Added to grader.sandbox.default_hidden().").tag(config=True)
    extra_read_only_paths = List(Unicode(), help="Added to default_read_only().").tag(config=True)
    use_cgroup = Bool(help="Default: whether cgroup v1 memory and pids are writable.").tag(config=True)

    @default("use_cgroup")
    def _use_cgroup_default(self) -> bool:
        return cgroups_writable()

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    def sandbox_policy(self, work_dir: Path) -> SandboxPolicy:
        return SandboxPolicy(
            work_dir=work_dir,
            read_only=default_read_only() + [Path(p) for p in self.extra_read_only_paths],
            hidden=default_hidden() + [Path(p) for p in self.extra_hidden_paths],
            memory_bytes=self.memory_limit,
            max_processes=self.max_processes,
            use_cgroup=self.use_cgroup,
        )

    async def _async_pre_start_kernel(self, **kw):
        if kw.get("cwd") is None:
            # Without a notebook folder the work dir would be wherever the grader runs: refuse.
            raise SandboxError("SandboxedKernelManager needs cwd= (the notebook's folder) to start a kernel")
        if not getattr(self, "_socket_dir", None):  # kept across restarts
            self._socket_dir = Path(tempfile.mkdtemp(prefix="sandboxed-kernel-"))
            self.connection_file = str(self._socket_dir / "kernel.json")
            self.ip = str(self._socket_dir / "socket")
        # bwrap does not forward SIGINT into the sandbox's session: ask ipykernel by message instead.
        self.kernel_spec.interrupt_mode = "message"
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        policy = self.sandbox_policy(Path(kw["cwd"]))
        # The grader's pid means nothing in the sandbox's pid namespace: ipykernel would poll it and
        # exit.  Pid 1 (bwrap's init) really is the kernel's parent there; ipykernel does not poll it.
        policy = replace(policy, writable_extra=[self._socket_dir], env=policy.env | {"JPY_PARENT_PID": "1"})
        kernel_cmd = bwrap_command(policy, kernel_cmd, kw.get("env"))
        if policy.use_cgroup and not getattr(self, "_cgroup", None):  # a restart reuses the cgroup
            self._cgroup = Cgroup(policy)
        return (self._cgroup.wrap(kernel_cmd) if policy.use_cgroup else kernel_cmd), kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if getattr(self, "_cgroup", None):
                self._cgroup.remove()
                self._cgroup = None
            if getattr(self, "_socket_dir", None):
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                self._socket_dir = None

    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(ResilientExecute):
    """nbgrader's Execute with kernels in the sandbox (nbgrader sets kernel_manager_class itself)."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
