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
from grader.hub import service, setup, tour
from grader.hub.roster import RosterError, read_roster

PORT = 8765
ROOT = Path("/srv/case_studies_test")  # world-traversable: a tmp_path under /tmp/pytest-of-root is not
GRADING_ACCOUNT = "cst-grader"  # not the demo hub's: its course folder and gradebook stay untouched
GRADING_HOME = Path(f"/home/{GRADING_ACCOUNT}")
COURSE = GRADING_HOME / "course" / "assignments"
SHOTS = Path(os.environ.get("HUB_SCREENSHOTS", settings.REPO / "reports" / "hub"))


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


def test_the_tour_rewrites_only_its_own_section(tmp_path):
    shots = tmp_path / "docs" / "tour"
    shots.mkdir(parents=True)
    for name, caption in (("02_b", "Second step"), ("01_a", "First step")):
        (shots / f"{name}.png").write_bytes(b"png")
        (shots / f"{name}.txt").write_text(caption + "\n")
    readme = write(tmp_path / "README.md", f"# Title\n{tour.BEGIN}\nold tour\n{tour.END}\n## After\n")
    tour.rewrite(readme, shots)
    once = readme.read_text()
    assert (
        "old tour" not in once and once.startswith("# Title\n") and once.endswith(f"{tour.END}\n## After\n")
    )
    assert once.index("1. First step") < once.index("2. Second step")
    assert "![Second step](docs/tour/02_b.png)" in once
    tour.rewrite(readme, shots)
    assert readme.read_text() == once
    with pytest.raises(SystemExit, match="no hub-tour markers"):
        tour.rewrite(write(tmp_path / "other.md", "# no markers\n"), shots)


# ---- slow test: the hub in a browser ---------------------------------------------------------------------

ROSTER = "username,role,full_name\ncst-prof,instructor,Test Prof\ncst-ta,ta,Test TA\n"
ROSTER += "cst-ann,student,Ann Lee\ncst-ben,student,Ben Okafor\n"


def as_user(user: str, *argv: str, cwd: str = "/") -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", *argv], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, prepared_data):  # the grading account gets the grader-only photos
    if os.geteuid() != 0:
        pytest.skip("the hub creates Unix accounts: run as root (CI does)")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver are needed (.ci/system-packages installs them)")
    if not (service.PROXY_BIN / "configurable-http-proxy").exists():
        pytest.fail("configurable-http-proxy is missing: `make test` installs it into .hub/")
    roster = write(tmp_path_factory.mktemp("roster") / "roster.csv", ROSTER)
    service.down(ROOT)
    # a fresh class: nothing released, fetched, submitted or graded by an earlier run
    homes = Path("/home")
    for leftover in [ROOT / "exchange", *homes.glob("cst-*/quiz"), *homes.glob("cst-*/.local/share/jupyter")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for name in ("release", "submitted", "autograded", "feedback", "reports", "gradebook.db"):
        path = COURSE / name
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    started = time.monotonic()
    passwords = service.up(
        roster, port=PORT, service_port=PORT + 10, root=ROOT, grading_account=GRADING_ACCOUNT
    )
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
    """The page's visible text; asked again while a navigation replaces the page under us."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _ in range(20):
        try:
            return driver.find_element(By.TAG_NAME, "body").text
        except StaleElementReferenceException:
            time.sleep(0.5)
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


def labelled(driver, tag: str, label: str, exact: bool = True):
    """The elements of a tag showing label; none while the panel re-renders under us."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return [
            e
            for e in driver.find_elements(By.TAG_NAME, tag)
            if (e.text.strip() == label if exact else label in e.text)
        ]
    except StaleElementReferenceException:
        return []


def buttons(driver, label: str):
    return labelled(driver, "button", label)


def to_assignments_tab(driver) -> None:
    from selenium.webdriver.common.by import By

    next(
        t for t in driver.find_elements(By.CSS_SELECTOR, ".lm-TabBar-tab") if "Assignments" in t.text
    ).click()
    time.sleep(1)


def answer_quiz(driver, lines: list[str]) -> None:
    """Fetch the quiz, open it, replace the first answer cell's text by typing, save."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    open_assignments(driver)
    row = next(b for b in buttons(driver, "Fetch"))  # quiz is the first released row
    row.click()
    WebDriverWait(driver, 60).until(lambda d: buttons(d, "Submit"))
    link = next(
        a
        for a in driver.find_elements(By.CSS_SELECTOR, "a.assignment-notebooks-link")
        if a.text.strip() == "quiz"
    )
    link.click()
    time.sleep(1)
    next(a for a in driver.find_elements(By.TAG_NAME, "a") if a.text.strip() == "Case_Studies_Quiz").click()
    WebDriverWait(driver, 90).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell"))
    time.sleep(2)
    cell = next(
        c
        for c in driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
        if "q01 = None" in c.text
    )
    cell.find_element(By.CSS_SELECTOR, ".cm-content").click()
    keys = driver.switch_to.active_element
    keys.send_keys(Keys.CONTROL, "a")
    keys.send_keys(Keys.DELETE)
    for line in lines:
        keys.send_keys(line, Keys.ENTER)
    keys.send_keys(Keys.CONTROL, "s")
    time.sleep(2)
    assert all(line in cell.text for line in lines), cell.text


def bring_into_view(driver, text: str) -> None:
    """Scroll the innermost element showing text to the middle of the page, for the screenshot."""
    driver.execute_script(
        "const inner = [...document.querySelectorAll('body *')]"
        ".filter(e => e.children.length === 0 && (e.textContent || '').includes(arguments[0]));"
        "if (inner.length) inner[0].scrollIntoView({block: 'center'});",
        text,
    )
    time.sleep(0.5)


def shot(driver, name: str, caption: str) -> None:
    """A screenshot and its caption, for the README's tour (make hub-tour)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    (SHOTS / f"{name}.txt").write_text(caption + "\n")


def formgrader_click(driver, assignment: str, column: str, success: str) -> None:
    """Click a column's button in the formgrader's row of an assignment and close the result dialog."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    row = next(r for r in driver.find_elements(By.TAG_NAME, "tr") if r.text.split()[:1] == [assignment])
    row.find_element(By.CSS_SELECTOR, f"td.{column} a").click()
    WebDriverWait(driver, 120).until(lambda d: success in page_text(d))
    next(b for b in buttons(driver, "OK") if b.is_displayed()).click()
    time.sleep(1)


@pytest.mark.slow
def test_students_log_in_see_released_work_and_reach_nothing_else(hub, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    log_in(browser, "cst-prof", hub["cst-prof"])  # the instructor releases both assignments
    wait_for_lab(browser, "cst-prof")
    browser.get(f"http://127.0.0.1:{PORT}/services/cnn-case-studies/formgrader")
    WebDriverWait(browser, 60).until(
        lambda d: "Manage Assignments" in page_text(d) and "resnets" in page_text(d)
    )
    for assignment in ("quiz", "resnets"):
        formgrader_click(
            browser, assignment, "assign", f"Successfully created the student version of '{assignment}'"
        )
        formgrader_click(browser, assignment, "release", f"Successfully released '{assignment}'")
    rows = {
        r: " ".join(labelled(browser, "tr", r, exact=False)[0].text.split()[:3]) for r in ("quiz", "resnets")
    }
    assert rows == {"quiz": "quiz None released", "resnets": "resnets None released"}, rows
    shot(
        browser,
        "01_instructor_released",
        "The instructor generates and releases quiz and resnets in the formgrader",
    )

    log_in(browser, "cst-ann", "not-her-password")
    WebDriverWait(browser, 30).until(lambda d: "Invalid username or password" in page_text(d))
    assert "/hub/login" in browser.current_url
    shot(browser, "02_wrong_password", "A wrong password is refused")

    log_in(browser, "cst-ben", hub["cst-ben"])  # Ben's server runs, so Ann's attempts below reach it
    wait_for_lab(browser, "cst-ben")
    log_in(browser, "cst-ann", hub["cst-ann"])
    wait_for_lab(browser, "cst-ann")
    panel = open_assignments(browser)
    released = panel.split("Released assignments")[1].split("Downloaded assignments")[0]
    assert "cnn-case-studies" in released and "quiz" in released and "resnets" in released, panel
    shot(browser, "03_student_assignments", "A student's Assignments tab lists both releases, ready to fetch")

    refusals = {}
    for path in ("/user/cst-ben/lab", "/user/cst-ben/api/contents", "/services/cnn-case-studies/formgrader"):
        browser.get(f"http://127.0.0.1:{PORT}{path}")
        time.sleep(2)
        refusals[path] = page_text(browser)
    for path, text in refusals.items():  # Ben's server and the formgrader each refuse Ann
        assert "Forbidden" in text and '"content"' not in text, (path, text[:300])

    secrets_on_disk = [
        COURSE / "source" / "quiz" / "Case_Studies_Quiz.ipynb",
        COURSE / "gradebook.db",
        GRADING_HOME / "course" / "grader" / "hidden_tests" / "quiz" / "answer_key.py",
        GRADING_HOME / "course" / "data" / "prepared" / "grader_only",
        Path("/home/cst-ben"),
        ROOT / "hub" / "passwords.json",
    ]
    for path in secrets_on_disk:
        done = as_user("cst-ann", "cat" if path.suffix else "ls", str(path))
        assert done.returncode != 0 and "Permission denied" in done.stderr, (path, done.stdout[:200])


ANN = ['q01 = "b"', 'q02 = {"a", "b"}', "q03 = False", "q04 = 7"]  # q04 wrong: VGG-16 has 138 million
BEN = ['q01 = "b"', 'q02 = {"a", "b"}', "q03 = False", "q04 = 138"]


def as_grading_account(*argv: str) -> subprocess.CompletedProcess:
    """A command as a TA runs it in the course service's terminal: the grading account in the course."""
    env = [f"{k}={v}" for k, v in setup.grading_environment(ROOT, GRADING_HOME).items()]
    done = as_user(GRADING_ACCOUNT, "env", *env, *argv, cwd=str(COURSE))
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.mark.slow
def test_a_quiz_goes_from_fetch_to_feedback_through_the_exchange(hub, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    for person, lines in (("cst-ben", BEN), ("cst-ann", ANN)):
        touring = person == "cst-ann"  # the tour follows Ann; Ben's pages look the same
        log_in(browser, person, hub[person])
        wait_for_lab(browser, person)
        answer_quiz(browser, lines)
        to_assignments_tab(browser)
        buttons(browser, "Validate")[0].click()
        WebDriverWait(browser, 90).until(lambda d: "Validation Results" in page_text(d))
        assert "q05: still None" in page_text(browser)  # the form check names what is still unanswered
        browser.execute_script(  # the dialog's last lines: the check's message under the traceback
            "document.querySelectorAll('.jp-Dialog-body, .jp-Dialog-body *')"
            ".forEach(e => { e.scrollTop = e.scrollHeight; });"
        )
        if touring:
            shot(browser, "04_validated", "Ann typed answers to the first questions; Validate names the rest")
        buttons(browser, "Ok")[0].click() if buttons(browser, "Ok") else None
        buttons(browser, "Submit")[0].click()
        WebDriverWait(browser, 60).until(lambda d: "Fetch Feedback" in page_text(d))
        if touring:
            shot(browser, "05_submitted", "Ann submits through the exchange")

    # Ben cannot see who handed in what; even knowing the secret name of Ann's submission, he can neither
    # read, replace, remove nor add to it
    inbound = ROOT / "exchange" / "cnn-case-studies" / "inbound"
    assert "Permission denied" in as_user("cst-ben", "ls", str(inbound)).stderr
    anns = next(inbound.glob("cst-ann+quiz+*"))
    handed_in = {path.name: path.read_bytes() for path in anns.iterdir()}
    for attempt in (
        ["cat", str(anns / "Case_Studies_Quiz.ipynb")],
        ["cp", "/home/cst-ben/quiz/Case_Studies_Quiz.ipynb", str(anns / "Case_Studies_Quiz.ipynb")],
        ["rm", "-f", str(anns / "Case_Studies_Quiz.ipynb")],
        ["touch", str(anns / "extra.py")],
    ):
        done = as_user("cst-ben", *attempt)
        assert done.returncode != 0 and "Permission denied" in done.stderr, (attempt, done.stdout[:200])
    assert {path.name: path.read_bytes() for path in anns.iterdir()} == handed_in

    # a submission Ben writes in Ann's name is refused at collection
    forged = inbound / "cst-ann+quiz+2099-01-01 00:00:00.000000 UTC+forgedbyben"
    assert as_user("cst-ben", "mkdir", str(forged)).returncode == 0
    for name in ("Case_Studies_Quiz.ipynb", "public_tests.py"):
        assert as_user("cst-ben", "cp", f"/home/cst-ben/quiz/{name}", str(forged)).returncode == 0
    assert (
        as_user(
            "cst-ben", "sh", "-c", f"echo 2099-01-01 00:00:00.000000 UTC > '{forged}/timestamp.txt'"
        ).returncode
        == 0
    )

    collected = as_grading_account("nbgrader", "collect", "quiz")
    assert "refused cst-ann+quiz+2099" in collected.stderr and "handed in by cst-ben" in collected.stderr
    assert (
        "cst-ann" in collected.stderr + collected.stdout and "cst-ben" in collected.stderr + collected.stdout
    )
    graded = as_grading_account("python", "-m", "grader.cli", "autograde", "quiz")
    scores = {
        line.split()[1]: line.split()[3] for line in graded.stdout.splitlines() if line.startswith("quiz ")
    }
    assert scores == {"cst-ann": "3/32", "cst-ben": "4/32"}, graded.stdout
    as_grading_account("python", "-m", "grader.cli", "feedback", "quiz", "--release")

    to_assignments_tab(browser)  # Ann's session
    buttons(browser, "Fetch Feedback")[0].click()
    WebDriverWait(browser, 60).until(lambda d: labelled(d, "a", "view feedback", exact=False))
    shot(browser, "06_ann_feedback_fetched", "Ann fetches her feedback once the TA has released it")
    feedback = next(
        Path("/home/cst-ann/quiz/feedback").glob("*/Case_Studies_Quiz.html")
    )  # the page the "view feedback" link opens, served by Ann's own server
    browser.get(f"http://127.0.0.1:{PORT}/user/cst-ann/files/{feedback.relative_to('/home/cst-ann')}")
    WebDriverWait(browser, 30).until(lambda d: "the size of VGG-16" in page_text(d))
    text = page_text(browser)
    assert "VGG-16 (Simonyan and Zisserman, 2014)" in text and "01_classic_networks" in text
    assert "138" not in text.split("the size of VGG-16")[1][:300]  # the message teaches, never tells
    bring_into_view(browser, "the size of VGG-16")
    shot(browser, "07_ann_feedback", "The feedback names the concept behind a wrong answer, not the answer")

    log_in(browser, "cst-ta", hub["cst-ta"])
    wait_for_lab(browser, "cst-ta")
    browser.get(f"http://127.0.0.1:{PORT}/services/cnn-case-studies/formgrader/manage_submissions/quiz")
    WebDriverWait(browser, 30).until(lambda d: "cst-ann" in page_text(d) and "cst-ben" in page_text(d))
    rows = {
        name: " ".join(labelled(browser, "tr", name, exact=False)[0].text.split())
        for name in ("cst-ann", "cst-ben")
    }
    # the roster's names beside each student's score out of the quiz's 32 points
    assert rows["cst-ann"].startswith("Lee, Ann cst-ann") and " 3 / 32" in rows["cst-ann"], rows
    assert rows["cst-ben"].startswith("Okafor, Ben cst-ben") and " 4 / 32" in rows["cst-ben"], rows
    shot(browser, "08_ta_scores", "The TA sees both students' scores in the formgrader")

    # the TA's terminal for collect, autograde and feedback: the course service's own JupyterLab
    browser.get(f"http://127.0.0.1:{PORT}/services/cnn-case-studies/lab")
    WebDriverWait(browser, 60).until(lambda d: "Terminal" in page_text(d) and "source" in page_text(d))
    shot(browser, "09_ta_course_lab", "The TA's JupyterLab on the course folder, as the grading account")
