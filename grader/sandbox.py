"""Run student code (notebook kernels, probe scripts) inside a bubblewrap sandbox.

Inside, the process sees a read-only root built from a few binds (system folders, the Python
installation, the student data); only the submission's folder and a private /tmp are writable;
there is no network, no view of other processes, and hidden paths (tests, grader-only data,
gradebook, other submissions) are either never bound or covered by an empty tmpfs.

Memory is limited twice: RLIMIT_DATA per process (a clean MemoryError; unlike RLIMIT_AS it
ignores the large address-space reservations TensorFlow makes) and, when the grader may write
the memory and pids controllers (cgroup v1, or a delegated cgroup v2 subtree), a cgroup for the
whole process tree that also counts /tmp and child processes; without one, only rlimits hold.
Writes are limited by RLIMIT_FSIZE per file and by a watch on the size of the writable folders.
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
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from functools import cache
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
# The only variables student code (kernels, the probe) may see, by exact name: a prefix would let a
# CASE_STUDIES_TOKEN or a gradebook URL with its password through.  Locale; TensorFlow's threads,
# oneDNN (on or off, its instruction set) and log level; the course's student data, quick-mode knob and
# weights; what the sandbox sets itself (home, user, temp folder, PATH) and what Jupyter passes to a kernel.
ENV_LOCALE = {"LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "TZ"}
ENV_LOCALE |= {"LC_MONETARY", "LC_MESSAGES"}
ENV_THREADS = {"TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}
ENV_THREADS |= {"OPENBLAS_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED"}
ENV_THREADS |= {"ONEDNN_MAX_CPU_ISA"}  # caps oneDNN's instruction set: an AVX-512 CPU can time AVX2 kernels
ENV_COURSE = {"CASE_STUDIES_DATA", "CASE_STUDIES_QUICK", "KERAS_HOME", "MPLBACKEND"}
ENV_SANDBOX = {"HOME", "USER", "TMPDIR", "MPLCONFIGDIR", "PATH", "JPY_PARENT_PID", "JPY_SESSION_NAME"}
ENV_ALLOWED = frozenset(ENV_LOCALE | ENV_THREADS | ENV_COURSE | ENV_SANDBOX)
HOME = "/tmp/home"
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_GROUP = "case_studies_sandbox"
# Set by `grader autograde` for one submission's nbgrader: its sandboxes' cgroups go under this
# group (relative to CGROUP_GROUP), so that the scheduler can remove them all however it ended.
CGROUP_PARENT = "CASE_STUDIES_CGROUP_PARENT"
CONTROLLERS = ("memory", "pids")


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


@dataclass(frozen=True)
class CgroupMode:
    version: str  # "v1", "v2" or "none" (rlimits only)
    base: Path | None = None  # v1: the hierarchies' root; v2: the delegated group sandboxes go under

    def folders(self, relative: str) -> list[Path]:
        """The group's folder in each hierarchy: one per controller in v1, one in v2."""
        if self.version == "v1":
            return [self.base / ctl / CGROUP_GROUP / relative for ctl in CONTROLLERS]
        return [self.base / CGROUP_GROUP / relative] if self.version == "v2" else []


def own_cgroup_v2(proc_self_cgroup: str) -> str | None:
    """The unified hierarchy's path in /proc/self/cgroup ("0::/user.slice/..."), if any."""
    for line in proc_self_cgroup.splitlines():
        if line.startswith("0::"):
            return line[3:]
    return None


def detect_cgroups(root: Path = CGROUP_V1, proc_self_cgroup: str | None = None) -> CgroupMode:
    """v1 when its memory and pids hierarchies are writable; v2 when our own group is writable
    (root, or delegated to our user) and offers both controllers to the groups we make in it."""
    if all(os.access(root / ctl, os.W_OK) for ctl in CONTROLLERS):
        return CgroupMode("v1", root)
    if not (root / "cgroup.controllers").is_file():
        return CgroupMode("none")
    text = Path("/proc/self/cgroup").read_text() if proc_self_cgroup is None else proc_self_cgroup
    own = own_cgroup_v2(text)
    folder = root / own.lstrip("/") if own is not None else None
    if folder is None or not os.access(folder / "cgroup.subtree_control", os.W_OK):
        return CgroupMode("none")
    offered = (folder / "cgroup.controllers").read_text().split()
    return CgroupMode("v2", folder) if set(CONTROLLERS) <= set(offered) else CgroupMode("none")


@cache
def cgroup_mode() -> CgroupMode:
    return detect_cgroups()


def cgroups_writable() -> bool:
    return cgroup_mode().version != "none"


def folder_limit() -> int:
    """Bytes a sandbox's writable folders may hold (CASE_STUDIES_FOLDER_LIMIT_MB, default 2 GiB: a
    trained ResNets model is 283 MB, a saved transfer-learning model a tenth of that)."""
    return int(os.environ.get("CASE_STUDIES_FOLDER_LIMIT_MB", "2048")) << 20


def limits_in_force(mode: CgroupMode | None = None, euid: int | None = None) -> str:
    """One line for `grader autograde`'s start: what holds student code back on this host."""
    if not settings.sandbox_enabled():
        return "limits: none (CASE_STUDIES_SANDBOX=0: no sandbox, no memory, process or disk limit)"
    mode = mode or cgroup_mode()
    root = (os.geteuid() if euid is None else euid) == 0
    megabytes = folder_limit() >> 20
    if mode.version == "none":
        memory = "per process only (RLIMIT_DATA; no writable cgroup, so none per process tree)"
        processes = "none (RLIMIT_NPROC is ignored for root)" if root else "per user (RLIMIT_NPROC)"
    else:
        memory = f"per process (RLIMIT_DATA) and per sandbox tree (cgroup {mode.version})"
        processes = f"per sandbox tree (cgroup {mode.version} pids)"
    return (
        f"limits: memory {memory}; processes {processes}; file size {megabytes} MB (RLIMIT_FSIZE);"
        f" folder size {megabytes} MB (watched); cgroup {mode.version}"
    )


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
    folder_bytes: int = field(default_factory=folder_limit)  # work dir and writable_extra
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


def allowed_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The variables of env (default os.environ) that ENV_ALLOWED names."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k in ENV_ALLOWED}


def _sandbox_env(policy: SandboxPolicy, env: dict[str, str] | None) -> dict[str, str]:
    passed = allowed_environment(env)
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
    limits.append(f"--fsize={policy.folder_bytes}")  # one file: a write past it fails with EFBIG
    return cmd + ["--", "/usr/bin/prlimit", *limits, "--", *argv]


def _enable_v2_controllers(base: Path, folder: Path) -> None:
    """cgroup v2 lets a group hand controllers to children only while it holds no process itself
    (the no-internal-processes rule): the grader's own processes move to a leaf first."""
    enable = " ".join(f"+{ctl}" for ctl in CONTROLLERS)
    if not set(CONTROLLERS) <= set((base / "cgroup.subtree_control").read_text().split()):
        leaf = base / "grader"
        leaf.mkdir(exist_ok=True)
        for pid in (base / "cgroup.procs").read_text().split():
            (leaf / "cgroup.procs").write_text(pid)
        (base / "cgroup.subtree_control").write_text(enable)
    for group in [*reversed(folder.relative_to(base).parents)][1:]:  # base/CGROUP_GROUP ... parent
        (base / group).mkdir(exist_ok=True)
        (base / group / "cgroup.subtree_control").write_text(enable)


class Cgroup:
    """A memory+pids group for one sandbox (both hierarchies in v1); the launch command joins it
    before bwrap.  Under CASE_STUDIES_CGROUP_PARENT when `grader autograde` set one."""

    def __init__(self, policy: SandboxPolicy, mode: CgroupMode | None = None):
        self.mode = mode or cgroup_mode()
        relative = Path(os.environ.get(CGROUP_PARENT, "")) / uuid.uuid4().hex
        self.dirs = self.mode.folders(str(relative))
        if self.mode.version == "v2":
            _enable_v2_controllers(self.mode.base, self.dirs[0])
        for folder in self.dirs:
            folder.mkdir(parents=True)
        memory, pids = self.dirs[0], self.dirs[-1]
        limit = "memory.limit_in_bytes" if self.mode.version == "v1" else "memory.max"
        (memory / limit).write_text(str(policy.memory_bytes))
        (pids / "pids.max").write_text(str(policy.max_processes))

    def wrap(self, cmd: list[str]) -> list[str]:
        procs = " ".join(shlex.quote(str(d / "cgroup.procs")) for d in self.dirs)
        join = f'for p in {procs}; do echo $$ > "$p" || exit 125; done; exec "$@"'
        return ["/bin/sh", "-c", join, "sandbox-join", *cmd]

    def oom_killed(self) -> bool:
        if self.mode.version == "v2":
            return "oom_kill 0" not in (self.dirs[0] / "memory.events").read_text()
        return "oom_kill 0" not in (self.dirs[0] / "memory.oom_control").read_text()

    def remove(self, wait: float = 3.0) -> None:
        """rmdir succeeds once the last sandboxed process has gone; killed trees take a moment."""
        for folder in self.dirs:
            _rmdir(folder, time.monotonic() + wait)


def _rmdir(folder: Path, deadline: float) -> None:
    while folder.exists():
        try:
            folder.rmdir()
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def remove_cgroup_tree(relative: str, mode: CgroupMode | None = None, wait: float = 10.0) -> None:
    """Kills every process left in a group and its descendants, then removes them, deepest first:
    what a killed submission's sandboxes left behind (their own cleanup never ran)."""
    deadline = time.monotonic() + wait
    for top in (mode or cgroup_mode()).folders(relative):
        groups = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        for group in [*groups, top] if top.is_dir() else []:
            for pid in (group / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), 9)
                except ProcessLookupError:
                    pass
            _rmdir(group, deadline)


def folder_size(folders: list[Path]) -> int:
    """Bytes on disk under the folders; links are never followed (a link to /dev/zero is small)."""
    total = 0
    for top in folders:
        for parent, folder_names, files in os.walk(top):  # os.walk does not enter linked folders
            for name in folder_names + files:
                try:
                    total += os.lstat(os.path.join(parent, name)).st_blocks * 512
                except OSError:
                    pass  # removed meanwhile
    return total


class FolderWatch:
    """Calls stop() once the folders hold more than limit bytes.  RLIMIT_FSIZE bounds one file
    only; many files below it would fill the grader's disk.  Polled: a write is caught within
    `interval`, so the overshoot is at most what student code writes in that time."""

    def __init__(self, folders: list[Path], limit: int, stop, interval: float = 0.2):
        self.folders, self.limit, self.stop, self.interval = folders, limit, stop, interval
        self.passed, self._done = False, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(self.interval):
            if folder_size(self.folders) > self.limit:
                self.passed = True
                self.stop()
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join()


def limit_note(limit: int, folder: str = "its folder") -> str:
    return f"{folder} passed its size limit of {limit >> 20} MB, so the grader stopped it"


def _remove_new_entries(folder: Path, before: set[str]) -> None:
    """After a stop at the folder limit: what the stopped run wrote goes, so a rerun fits again."""
    for entry in os.scandir(folder):
        if entry.name not in before:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)


def run_sandboxed(
    policy: SandboxPolicy,
    argv: list[str],
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = False,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.CompletedProcess:
    """Runs a command (e.g. a probe script on student code) in the sandbox, capturing text output.

    On timeout, bwrap is killed, --die-with-parent then kills the whole sandbox, and
    subprocess.TimeoutExpired propagates.  Past the folder limit, the sandbox is killed the same
    way, what it wrote in its work dir is removed and the return code is -9."""
    cmd = bwrap_command(policy, argv, env)
    cgroup = Cgroup(policy) if policy.use_cgroup else None
    before = {entry.name for entry in os.scandir(policy.work_dir)}
    try:
        cmd = cgroup.wrap(cmd) if cgroup else cmd
        # quiet: output goes nowhere, so a student's print loop cannot fill the grader's memory
        pipe = subprocess.DEVNULL if quiet else subprocess.PIPE
        with subprocess.Popen(
            cmd, text=True, cwd=policy.work_dir, pass_fds=pass_fds, stdout=pipe, stderr=pipe
        ) as process:
            watch = FolderWatch(
                [Path(policy.work_dir), *policy.writable_extra], policy.folder_bytes, process.kill
            )
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
            finally:
                watch.close()
        if watch.passed:
            _remove_new_entries(Path(policy.work_dir), before)
            stderr = (stderr or "") + limit_note(policy.folder_bytes)
        return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)
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
    folder_limit = Integer(help="Bytes the kernel's folder may hold; past them the kernel is stopped.").tag(
        config=True
    )
    extra_hidden_paths = List(Unicode(), help="Added to grader.sandbox.default_hidden().").tag(config=True)
    extra_read_only_paths = List(Unicode(), help="Added to default_read_only().").tag(config=True)
    use_cgroup = Bool(help="Default: whether cgroup v1 memory and pids are writable.").tag(config=True)

    @default("use_cgroup")
    def _use_cgroup_default(self) -> bool:
        return cgroups_writable()

    @default("folder_limit")
    def _folder_limit_default(self) -> int:
        return folder_limit()

    stopped_because = None  # why the grader stopped the kernel, for the note in the cell

    def _stop_at_folder_limit(self) -> None:
        self.stopped_because = limit_note(self.folder_limit, "the notebook's folder")
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            process.kill()  # bwrap; --die-with-parent then ends everything in the sandbox

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
            folder_bytes=self.folder_limit,
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
        if not getattr(self, "_watch", None):
            folders = [policy.work_dir, self._socket_dir]  # both are the host's disk
            self._watch = FolderWatch(folders, self.folder_limit, self._stop_at_folder_limit)
        return (self._cgroup.wrap(kernel_cmd) if policy.use_cgroup else kernel_cmd), kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            if getattr(self, "_watch", None):
                self._watch.close()
                self._watch = None
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
