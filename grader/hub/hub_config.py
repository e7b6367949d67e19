"""The JupyterHub configuration of the course, written as a plain jupyterhub_config.py an admin can read.

Shape (nbgrader's "one class, multiple graders" setup): real Unix users checked by PAM, one JupyterLab
per person started by the hub's local-process spawner as that person, and one hub service named after
the course, running as the grading account, that serves the formgrader to the `formgrade-<course>`
group (instructors and TAs) and to nobody else.
"""

from pathlib import Path

from grader.hub.roster import Person


def jupyterhub_config(
    people: list[Person],
    *,
    course_id: str,
    grading_account: str,
    grading_home: Path,
    student_environment: dict[str, str],
    grading_environment: dict[str, str],
    venv: Path,
    state: Path,
    port: int,
    service_port: int,
) -> str:
    graders = sorted(person.username for person in people if person.grades)
    everyone = sorted(person.username for person in people)
    values = {
        "bind_url": f"http://127.0.0.1:{port}",
        # the proxy's API and the hub itself on the next two ports, so two hubs can run side by side
        "proxy_api_url": f"http://127.0.0.1:{port + 1}",
        "hub_bind_url": f"http://127.0.0.1:{port + 2}",
        "everyone": everyone,
        "graders": graders,
        "course": course_id,
        "service_url": f"http://127.0.0.1:{service_port}",
        "singleuser": str(venv / "bin" / "jupyterhub-singleuser"),
        "student_environment": student_environment,
        "grading_account": grading_account,
        "course_root": str(grading_home / "course" / "assignments"),
        "grading_environment": grading_environment,
        "state": str(state),
    }
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    return "\n".join(
        ["# Written by `grader hub setup`: edit the roster and run `make hub` again.", *lines, BODY]
    )


BODY = """
c = get_config()  # noqa: F821

c.JupyterHub.bind_url = bind_url
c.JupyterHub.hub_bind_url = hub_bind_url
c.ConfigurableHTTPProxy.api_url = proxy_api_url
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"

# Real passwords of real Unix accounts; nobody outside the roster gets in.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(everyone)
c.Authenticator.admin_users = set()

# One JupyterLab per person, run as that person's Unix account, from the course's own Python.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [singleuser]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = student_environment
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120

# The formgrader: one service named after the course, running as the grading account in the course
# folder. Instructors and TAs (group formgrade-<course>) may open it; students may not.
c.JupyterHub.load_groups = {f"formgrade-{course}": {"users": graders}}
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{course}",
        "groups": [f"formgrade-{course}"],
        "scopes": [f"access:services!service={course}", "list:services", f"read:services!service={course}"],
    },
    # the Courses panel of nbgrader lists the hub's services it may reach
    {"name": "server", "scopes": ["inherit"]},
]
c.JupyterHub.services = [
    {
        "name": course,
        "url": service_url,
        "command": [singleuser, "--debug"],
        "user": grading_account,
        "cwd": course_root,
        # the course's nbgrader_config.py imports the grader from the private course copy
        "environment": {**grading_environment, "JUPYTERHUB_DEFAULT_URL": "/lab"},
        "oauth_no_confirm": True,
    }
]
"""
