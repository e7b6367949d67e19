"""The course on a real JupyterHub, driven in Debian's chromium: real Unix accounts, PAM passwords, the
nbgrader exchange and the formgrader service (grader/hub/).

The slow test needs root (it creates the roster's accounts), chromium with chromedriver and the proxy
that `make test` installs into .hub/. It runs the hub on its own ports and folder beside any demo hub.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from grader import settings
from grader.hub import service, setup
from grader.hub.roster import RosterError, read_roster

PORT = 8765
ROOT = Path("/srv/case_studies_test")  # world-traversable: a tmp_path under /tmp/pytest-of-root is not
SHOTS = settings.REPO / "reports" / "hub"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ---- fast tests: the roster ----------------------------------------------------------------------------


def test_a_roster_gives_people_and_roles(tmp_path):
    people = read_roster(
        write(tmp_path / "r.csv", "username,role,full_name\nprof,instructor,P\nta1,TA,T\nstu-1,student,S\n")
    )
    assert [(p.username, p.role, p.grades) for p in people] == [
        ("prof", "instructor", True),
        ("ta1", "ta", True),
        ("stu-1", "student", False),
    ]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ("prof,instructor,P\nRoot;rm,student,X\n", "not a safe Unix user name"),
        ("prof,instructor,P\n../etc,student,X\n", "not a safe Unix user name"),
        ("prof,instructor,P\nstu,admin,X\n", "role 'admin'"),
        ("prof,instructor,P\nprof,student,X\n", "appears twice"),
        ("stu,student,X\n", "names no instructor"),
        ("prof,instructor,P\ngrader-cnn-case-studies,student,X\n", "reserved"),
    ],
)
def test_a_bad_roster_is_refused_with_its_line(tmp_path, rows, reason):
    path = write(tmp_path / "r.csv", "username,role,full_name\n" + rows)
    with pytest.raises(RosterError, match=reason):
        read_roster(path, reserved=(setup.GRADING_ACCOUNT,))


def test_the_demo_roster_is_valid():
    people = read_roster(service.DEMO_ROSTER, reserved=(setup.GRADING_ACCOUNT,))
    assert {p.role for p in people} == {"instructor", "ta", "student"}


# ---- slow test: the hub in a browser ---------------------------------------------------------------------

ROSTER = "username,role,full_name\ncst-prof,instructor,Test Prof\ncst-ta,ta,Test TA\ncst-ann,student,Ann\n"
ROSTER += "cst-ben,student,Ben\n"


def as_user(user: str, *argv: str, cwd: str = "/") -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", *argv], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the hub creates Unix accounts: run as root (CI does)")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver are needed (.ci/system-packages installs them)")
    if not (service.PROXY_BIN / "configurable-http-proxy").exists():
        pytest.fail("configurable-http-proxy is missing: `make test` installs it into .hub/")
    roster = write(tmp_path_factory.mktemp("roster") / "roster.csv", ROSTER)
    service.down(ROOT)
    started = time.monotonic()
    passwords = service.up(roster, port=PORT, service_port=PORT + 10, root=ROOT)
    print(f"\n[hub] up in {time.monotonic() - started:.0f} s")
    yield passwords
    service.down(ROOT)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def log_in(driver, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"http://127.0.0.1:{PORT}/hub/logout")  # whoever was logged in before
    driver.get(f"http://127.0.0.1:{PORT}/hub/login")
    driver.find_element(By.ID, "username_input").send_keys(user)
    driver.find_element(By.ID, "password_input").send_keys(password)
    driver.find_element(By.ID, "login_submit").click()


def page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def wait_for_lab(driver, user: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 120).until(lambda d: f"/user/{user}/lab" in d.current_url)
    WebDriverWait(driver, 60).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".lm-MenuBar-item"))
    )


def open_assignments(driver) -> str:
    """Nbgrader > Assignment List, as a student would click it; returns the panel's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    next(e for e in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item") if e.text == "Nbgrader").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel"))
    items = driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
    next(item for item in items if item.text == "Assignment List").click()
    WebDriverWait(driver, 60).until(
        lambda d: "Released assignments" in page_text(d) and "quiz" in page_text(d)
    )
    return page_text(driver)


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


@pytest.mark.slow
def test_students_log_in_see_released_work_and_reach_nothing_else(hub, browser):
    grading_home = Path(f"/home/{setup.GRADING_ACCOUNT}")
    course = grading_home / "course" / "assignments"
    env = [f"HOME={grading_home}", f"PATH={ROOT / 'venv' / 'bin'}:/usr/bin:/bin"]
    env += [f"PYTHONPATH={grading_home / 'course'}", f"CASE_STUDIES_EXCHANGE={ROOT / 'exchange'}"]
    for step in (
        ["python", "-m", "grader.cli", "release", "quiz"],
        ["nbgrader", "release_assignment", "quiz"],
    ):
        done = as_user(setup.GRADING_ACCOUNT, "env", *env, *step, cwd=str(course))
        assert done.returncode == 0 or "already exists" in done.stdout + done.stderr, done.stderr[-2000:]

    log_in(browser, "cst-ann", "not-her-password")
    assert "Invalid username or password" in page_text(browser)
    shot(browser, "01_wrong_password")

    log_in(browser, "cst-ben", hub["cst-ben"])  # Ben's server runs, so Ann's attempts below reach it
    wait_for_lab(browser, "cst-ben")
    log_in(browser, "cst-ann", hub["cst-ann"])
    wait_for_lab(browser, "cst-ann")
    panel = open_assignments(browser)
    assert "cnn-case-studies" in panel and "Fetch" in panel
    shot(browser, "02_student_assignments")

    refusals = {}
    for path in ("/user/cst-ben/lab", "/user/cst-ben/api/contents", "/services/cnn-case-studies/formgrader"):
        browser.get(f"http://127.0.0.1:{PORT}{path}")
        time.sleep(2)
        refusals[path] = page_text(browser)
    for path, text in refusals.items():  # Ben's server and the formgrader each refuse Ann
        assert "Forbidden" in text and '"content"' not in text, (path, text[:300])

    secrets_on_disk = [
        course / "source" / "quiz" / "Case_Studies_Quiz.ipynb",
        grading_home / "course" / "grader" / "hidden_tests" / "quiz" / "answer_key.py",
        grading_home / "course" / "data" / "prepared" / "grader_only",
        Path("/home/cst-ben"),
        ROOT / "hub" / "passwords.json",
    ]
    for path in secrets_on_disk:
        done = as_user("cst-ann", "cat" if path.suffix else "ls", str(path))
        assert done.returncode != 0 and "Permission denied" in done.stderr, (path, done.stdout[:200])

    log_in(browser, "cst-ta", hub["cst-ta"])
    wait_for_lab(browser, "cst-ta")
    browser.get(f"http://127.0.0.1:{PORT}/services/cnn-case-studies/formgrader")
    time.sleep(3)
    assert "Manage Assignments" in page_text(browser) and "quiz" in page_text(browser)
    shot(browser, "03_ta_formgrader")
