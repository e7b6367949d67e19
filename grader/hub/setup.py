"""Set up the course on one machine: Unix accounts, a Python for everyone's JupyterLab, the exchange,
the grading account's private course copy, and the configuration of JupyterHub and nbgrader.

Runs as root (it creates accounts); every step is idempotent, so `make hub` can be run again after a
roster change. What each person can read is decided by Unix permissions:

    <root>/venv        world-readable Python for JupyterLab: no grader code, no hidden tests
    <root>/data        the photos and weights students may read (world-readable)
    <root>/exchange    nbgrader's exchange, world-writable as nbgrader documents
    <root>/hub         JupyterHub's state, its configuration and the passwords file (root only)
    /home/<grading>    the course copy, hidden tests and grader-only photos (grading account only)
"""

import csv
import grp
import json
import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path

from grader import settings
from grader.hub.roster import Person

COURSE_ID = "cnn-case-studies"  # nbgrader's course id; the formgrader service must carry the same name
GRADING_ACCOUNT = "grader-cnn-case-studies"
HUB_ROOT = Path(os.environ.get("CASE_STUDIES_HUB_ROOT", "/srv/case_studies"))
STUDENT_PACKAGES = [
    line.strip()
    for line in (settings.REPO / "requirements.txt").read_text().splitlines()
    if line.strip()
    and not line.startswith("#")
    and line.split("==")[0]
    in {
        "tensorflow-cpu",
        "keras",
        "nbgrader",
        "jupyterlab",
        "notebook",
        "nbclient",
        "matplotlib",
        "pillow",
        "pytest",
        "distributed",  # the grading account's `grader autograde` runs on Dask
    }
]
JUPYTERHUB = "jupyterhub==5.5.4"
# Student-facing extensions only: the formgrader and create-assignment stay off for everyone but the
# grading account, whose server is the shared formgrader service.
GRADER_ONLY_LAB = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"]
GRADER_ONLY_SERVER = ["nbgrader.server_extensions.formgrader"]


def run(*argv: str, user: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    return subprocess.run(command, check=True, text=True, **kwargs)


def ensure_account(username: str, full_name: str = "") -> pwd.struct_passwd:
    """A Unix account with a private home (mode 700): students cannot read each other's files."""
    try:
        return pwd.getpwnam(username)
    except KeyError:
        run(
            "useradd",
            "--create-home",
            "--shell",
            "/bin/bash",
            "--comment",
            full_name or username,
            username,
        )
    account = pwd.getpwnam(username)
    os.chmod(account.pw_dir, 0o700)
    return account


def set_passwords(people: list[Person], password_file: Path) -> dict[str, str]:
    """A random password for each person without one yet; the file is readable by root only."""
    known = json.loads(password_file.read_text()) if password_file.exists() else {}
    for person in people:
        known.setdefault(person.username, secrets.token_urlsafe(12))
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.touch(mode=0o600)
    os.chmod(password_file, 0o600)
    password_file.write_text(json.dumps(known, indent=1) + "\n")
    lines = "".join(f"{person.username}:{known[person.username]}\n" for person in people)
    run("chpasswd", input=lines)
    return known


def student_python(root: Path) -> Path:
    """The Python every JupyterLab server runs: the course's pinned packages, nothing of the grader."""
    venv = root / "venv"
    if not (venv / "bin" / "python").exists():
        # the system Python: a venv built on a Python under /root would not run for other accounts
        run("/usr/bin/python3", "-m", "venv", str(venv))
    # pip only when the pins changed: an older venv is brought up to them, an up-to-date one costs nothing
    pins, stamp = "\n".join([*STUDENT_PACKAGES, JUPYTERHUB]), venv / "course-pins.txt"
    if not stamp.exists() or stamp.read_text() != pins:
        run(str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *pins.split())
        stamp.write_text(pins)
    # off for everyone; the grading account turns them on for itself (grading_extensions). What protects
    # the course is Unix permissions: a student's own formgrader would find no course to open.
    extension_switches(venv / "etc" / "jupyter", enabled=False)
    site_packages = Path(
        run(
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
            capture_output=True,
        ).stdout.strip()
    )
    submit = site_packages / "case_studies_submit.py"
    shutil.copyfile(Path(__file__).with_name("private_submit.py"), submit)
    os.chmod(submit, 0o644)
    # no news or update checks: they reach the internet and cover the Assignments panel's buttons
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(
        json.dumps(
            {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
        )
        + "\n"
    )
    config = venv / "etc" / "jupyter" / "nbgrader_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        "# a submission is readable by its student and the grading account only (private_submit.py)\n"
        'c.ExchangeFactory.submit = "case_studies_submit.PrivateSubmit"\n'
    )
    return venv


def exchange(root: Path) -> Path:
    """nbgrader's exchange: world-writable with the sticky bit, as nbgrader's JupyterHub docs set it."""
    path = root / "exchange"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o1777)
    return path


def shared_data(root: Path) -> Path:
    """The photos and weights students may read, copied beside the venv (never the grader-only ones)."""
    target = root / "data" / "students"
    if not target.exists():
        shutil.copytree(settings.student_data_dir(), target)
    for folder, _, files in os.walk(root / "data"):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)
    return target


def course_copy(account: pwd.struct_passwd) -> Path:
    """The grading account's private copy of the project: source notebooks, grader, hidden tests and
    grader-only photos, readable by that account only."""
    home = Path(account.pw_dir)
    project = home / "course"
    shutil.rmtree(project / "grader", ignore_errors=True)  # no module of an older grader left behind
    # what grading reads (not docs/: the README's screenshots are re-taken while a test hub runs)
    parts = ["pyproject.toml", "assignments", "grader", "data"]
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *parts], cwd=settings.REPO, check=True, capture_output=True
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, target = settings.REPO / name, project / name
        if name.startswith("assignments/") and target.exists():
            continue  # the course folder keeps what the instructor changed in it
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    grader_only = project / "data" / "prepared" / "grader_only"
    if not grader_only.exists():
        shutil.copytree(settings.grader_data_dir(), grader_only)
    run("chown", "-R", f"{account.pw_name}:{grp.getgrgid(account.pw_gid).gr_name}", str(home))
    os.chmod(home, 0o700)
    return project


def student_environment(root: Path) -> dict[str, str]:
    """What every JupyterLab server runs with: the course's Python first, the students' data."""
    data = root / "data" / "students"
    return {
        "PATH": f"{root / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "CASE_STUDIES_DATA": str(data),
        "KERAS_HOME": str(data / "keras"),
        "MPLBACKEND": "agg",
        "TF_ENABLE_ONEDNN_OPTS": settings.onednn(),
    }


def grading_environment(root: Path, grading_home: Path) -> dict[str, str]:
    """The grading account's commands and formgrader service: the students' environment, plus the
    course copy's grader on the Python path and the exchange."""
    return student_environment(root) | {
        "HOME": str(grading_home),
        "PYTHONPATH": str(grading_home / "course"),
        "CASE_STUDIES_EXCHANGE": str(root / "exchange"),
    }


def sandbox_works(account: pwd.struct_passwd) -> None:
    """Grading runs student code in bubblewrap as the grading account, which needs user namespaces."""
    probe = ["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"]
    if shutil.which("bwrap") is None:
        raise SystemExit("bubblewrap is missing: apt-get install bubblewrap")
    done = subprocess.run(
        ["runuser", "-u", account.pw_name, "--", *probe], cwd="/", capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(
            f"bubblewrap cannot sandbox as {account.pw_name} ({done.stderr.strip()}): enable unprivileged "
            "user namespaces, `sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000`"
        )


def roster_in_gradebook(people: list[Person], account: pwd.struct_passwd, project: Path, env: dict) -> None:
    """The roster's students in the gradebook with their names, so the formgrader lists everyone,
    including who has not handed anything in."""
    students = Path(account.pw_dir) / "roster_students.csv"
    with open(students, "w", newline="") as file:
        table = csv.writer(file)
        table.writerow(["id", "first_name", "last_name"])
        for person in people:
            if person.role == "student":
                first, _, last = person.full_name.partition(" ")
                table.writerow([person.username, first, last])
    shutil.chown(students, account.pw_uid, account.pw_gid)
    run(
        "env",
        *(f"{k}={v}" for k, v in env.items()),
        "nbgrader",
        "db",
        "student",
        "import",
        str(students),
        user=account.pw_name,
        cwd=project / "assignments",
        capture_output=True,
    )


def extension_switches(config: Path, enabled: bool) -> None:
    """The formgrader and create-assignment extensions on or off in a Jupyter configuration folder, as
    the files `jupyter labextension` / `jupyter server extension` would write (without their ~10 s of
    start-up, and without their validation step, which fails under runuser)."""
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(GRADER_ONLY_LAB, not enabled)}, indent=1) + "\n"
    )
    # after nbgrader's own nbgrader.json in this folder (read in name order), so this one wins
    server = config / "jupyter_server_config.d" / "nbgrader.server_extensions.formgrader.json"
    server.parent.mkdir(parents=True, exist_ok=True)
    server.write_text(
        json.dumps(
            {"ServerApp": {"jpserver_extensions": dict.fromkeys(GRADER_ONLY_SERVER, enabled)}}, indent=1
        )
        + "\n"
    )


def grading_extensions(account: pwd.struct_passwd) -> None:
    """The grading account's server is the formgrader: its extensions are on for that user only."""
    config = Path(account.pw_dir) / ".jupyter"
    extension_switches(config, enabled=True)
    # collect refuses a submission handed in under another student's name (grader/hub/collect.py)
    (config / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        'c.ExchangeFactory.collect = "grader.hub.collect.OwnerCheckedCollect"\n'
    )
    run("chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(config))
