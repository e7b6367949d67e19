"""The gradebook in a real PostgreSQL server: CASE_STUDIES_GRADEBOOK reaches nbgrader and course.py.

A private server is started for this module (initdb + pg_ctl, unix socket only, trust auth) and
stopped afterwards; nothing touches a system cluster.  CI installs it via .ci/system-packages.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2
import pytest

from grader import course

ASSIGNMENT = "resnets"
DATABASE = "case_studies_gradebook"
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not INITDB, reason="PostgreSQL is not installed: run .ci/system-packages"),
]


def _as_server_user() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` OS user then."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="module")
def postgres():
    """Socket folder of a running private server with an empty DATABASE; stopped on teardown."""
    binaries = Path(INITDB[-1]).parent
    as_server = _as_server_user()
    # Not under pytest's tmp folder: that is private to root (0700), which the postgres user can't enter.
    base = Path(tempfile.mkdtemp(prefix="case-studies-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if as_server:
        for folder in (base, sockets):
            shutil.chown(folder, "postgres", "postgres")

    def run(program: str, *args: str) -> None:
        argv = [*as_server, str(binaries / program), "-D", str(data), *args]
        result = subprocess.run(argv, cwd=base, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:  # say why: pg_ctl's own message only points at the server log
            log = (base / "server.log").read_text() if (base / "server.log").is_file() else ""
            raise RuntimeError(f"{program} failed:\n{result.stdout}{result.stderr}{log}")

    try:
        # -U postgres: the same superuser name whichever OS user owns the cluster; no fsync: throwaway.
        run("initdb", "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        server_options = f"-k {sockets} -c listen_addresses='' -F"  # unix socket only: no TCP port clash
        run("pg_ctl", "-l", str(base / "server.log"), "-o", server_options, "-w", "start")
        connection = psycopg2.connect(host=str(sockets), user="postgres", dbname="postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        connection.close()
        yield sockets
    finally:
        if (data / "postmaster.pid").is_file():
            run("pg_ctl", "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _query(sockets: Path, sql: str) -> list[tuple]:
    connection = psycopg2.connect(host=str(sockets), user="postgres", dbname=DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def test_nbgrader_and_course_share_a_postgresql_gradebook(postgres, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "CASE_STUDIES_GRADEBOOK", f"postgresql+psycopg2://postgres@/{DATABASE}?host={postgres}"
    )
    root = tmp_path / "course"
    shutil.copytree(course.COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copy(course.COURSE / "nbgrader_config.py", root)

    course.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    course.nbgrader(root, "db", "student", "add", "ada", "--first-name=Ada", "--last-name=Lovelace")
    course.record_zero(root, ASSIGNMENT, "ada")
    course.record_zero(root, ASSIGNMENT, "grace")  # not on the roster yet: record_zero enrols her

    parts = ["identity_block_tests", "convolutional_block_tests", "resnet50_tests", "trained_model_tests"]
    zero = dict.fromkeys([*parts, "total"], 0.0)
    assert course.scores(root, ASSIGNMENT) == {"ada": zero, "grace": zero}
    assert course.max_scores(root, ASSIGNMENT)["total"] == 20
    assert not (root / "gradebook.db").exists(), "nothing fell back to the SQLite default"

    # The rows are in PostgreSQL itself, as nbgrader's own tables.
    assert _query(postgres, "SELECT id, first_name, last_name FROM student ORDER BY id") == [
        ("ada", "Ada", "Lovelace"),
        ("grace", None, None),
    ]
    assert _query(postgres, "SELECT name FROM assignment") == [(ASSIGNMENT,)]
    assert _query(postgres, "SELECT count(*) FROM grade_cells") == [(4,)]
    submitted = _query(
        postgres,
        "SELECT s.student_id, count(g.id), coalesce(sum(g.auto_score), 0) FROM submitted_assignment s "
        "JOIN submitted_notebook n ON n.assignment_id = s.id JOIN grade g ON g.notebook_id = n.id "
        "GROUP BY s.student_id ORDER BY s.student_id",
    )
    assert submitted == [("ada", 4, 0.0), ("grace", 4, 0.0)]
