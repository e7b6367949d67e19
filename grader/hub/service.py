"""`grader hub up` / `grader hub down`: the course's JupyterHub on this machine."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from grader import settings
from grader.hub import setup
from grader.hub.hub_config import jupyterhub_config
from grader.hub.roster import read_roster

DEMO_ROSTER = settings.REPO / "data" / "hub" / "demo_roster.csv"
PROXY_BIN = settings.REPO / ".hub" / "node_modules" / ".bin"


def up(
    roster: Path = DEMO_ROSTER,
    port: int = 8000,
    service_port: int = 9999,
    root: Path = setup.HUB_ROOT,
    grading_account: str = setup.GRADING_ACCOUNT,
):
    """Sets up and starts the hub; returns the passwords. A second hub (the tests') needs its own root
    and grading account, or it would share the first one's course folder and gradebook."""
    if os.geteuid() != 0:
        sys.exit("grader hub up creates Unix accounts: run it as root (make hub does)")
    people = read_roster(roster, reserved=(grading_account,))
    state = root / "hub"
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    os.chmod(state, 0o700)
    for person in people:
        setup.ensure_account(person.username, person.full_name)
    grading = setup.ensure_account(grading_account, "course grading account")
    passwords = setup.set_passwords(people, state / "passwords.json")
    venv = setup.student_python(root)
    setup.exchange(root)
    setup.shared_data(root)
    setup.sandbox_works(grading)
    project = setup.course_copy(grading)
    setup.grading_extensions(grading)
    grading_environment = setup.grading_environment(root, Path(grading.pw_dir))
    setup.roster_in_gradebook(people, grading, project, grading_environment)
    config = state / "jupyterhub_config.py"
    config.write_text(
        jupyterhub_config(
            people,
            course_id=setup.COURSE_ID,
            grading_account=grading_account,
            grading_home=Path(grading.pw_dir),
            student_environment=setup.student_environment(root),
            grading_environment=grading_environment,
            venv=venv,
            state=state,
            port=port,
            service_port=service_port,
        )
    )
    env = {**os.environ, "PATH": f"{PROXY_BIN}:{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    with open(state / "jupyterhub.log", "ab") as log:  # the hub keeps its own copy of the descriptor
        hub = subprocess.Popen(
            [str(venv / "bin" / "jupyterhub"), "-f", str(config)],
            cwd=state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            sys.exit(f"JupyterHub stopped at start (exit {hub.returncode}); see {state / 'jupyterhub.log'}")
        try:
            with urllib.request.urlopen(f"{url}/hub/api", timeout=2) as answer:
                json.load(answer)
                break
        except OSError:
            time.sleep(1)
    else:
        sys.exit(f"JupyterHub did not answer at {url} within 120 s; see {state / 'jupyterhub.log'}")
    print(f"JupyterHub for {setup.COURSE_ID}: {url}")
    for person in people:
        print(f"  {person.role:<10} {person.username}")
    print(f"  grading    {grading_account} (runs the formgrader service; no login)")
    print(f"passwords: {state / 'passwords.json'} (root only); stop with `make hub-stop`")
    return passwords


def down(root: Path = setup.HUB_ROOT) -> bool:
    """Stops the hub; JupyterHub stops the proxy, the servers and the service it started."""
    pid_file = root / "hub" / "jupyterhub.pid"
    if not pid_file.exists():
        print("no JupyterHub running for the course")
        return False
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        return False
    for _ in range(60):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    print(f"JupyterHub (pid {pid}) stopped")
    return True
