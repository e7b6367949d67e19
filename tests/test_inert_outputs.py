"""Script in a submission's outputs or markdown never runs in the pages staff open (issue 14).

The quiz submission `hostile_outputs.SCRIPT_IN_OUTPUT` is graded twice with the real pipeline: in a
course as configured, and in a copy whose config lacks both defences (SanitizeOutputs and the
feedback pages' Content-Security-Policy).  Headless Chromium opens the feedback HTML and the
formgrader's page of each.  The undefended pages run the payloads, which shows the payloads are
live and the browser check can fail; the defended ones run none.  Each defence is also shown to
hold on its own.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbconvert.filters.markdown import markdown2html
from nbgrader.api import Gradebook
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from grader import autograde, course, hostile_outputs, page_policy, report, submissions
from grader.preprocessors import sanitize_outputs

STUDENT = hostile_outputs.SCRIPT_IN_OUTPUT.name
NOTEBOOK = "Case_Studies_Quiz"
# Payloads that run in nbconvert's pages when nothing stops them.  svg_output does not: nbconvert
# shows SVG outputs as <img src="data:...">, where SVG script never runs.  javascript_output runs
# in the formgrader; in feedback nbconvert prefixes it with a jQuery call, and the feedback page
# loads no jQuery.
FORMGRADER_LIVE = set(hostile_outputs.PAYLOADS) - {"svg_output"}
FEEDBACK_LIVE = FORMGRADER_LIVE - {"javascript_output"}
DEFENCES = (  # the lines of the course config that the undefended copy lacks
    "    SanitizeOutputs,  # before anything renders outputs or student markdown as HTML\n",
    "c.GenerateFeedback.exporter_class = FeedbackExporter\n",
)
SETTLE = 3  # seconds after load for image errors and SVG loads to fire their handlers


def _grade(root: Path, defended: bool):
    if not defended:
        config = root / "nbgrader_config.py"
        text = config.read_text()
        assert all(line in text for line in DEFENCES), "the course config changed: update DEFENCES"
        for line in DEFENCES:
            text = text.replace(line, "")
        config.write_text(text)
    source, release = course.read(root, "source", "quiz"), course.read(root, "release", "quiz")
    course.submit(root, "quiz", STUDENT, submissions.build(source, release, hostile_outputs.SCRIPT_IN_OUTPUT))
    (outcome,) = autograde.autograde(root, "quiz", workers=1, timeout=600, progress=False)
    course.nbgrader(root, "generate_feedback", "quiz", "--force")
    return outcome


@pytest.fixture(scope="module")
def courses(tmp_path_factory, prepared_data):
    """(defended, undefended) course roots, each with the hostile submission graded and fed back."""
    roots = []
    for defended in (True, False):
        root = course.private_copy(
            tmp_path_factory.mktemp("defended" if defended else "undefended"), ["quiz"]
        )
        outcome = _grade(root, defended)
        assert (outcome.status, outcome.score) == ("graded", 32), outcome
        roots.append(root)
    return tuple(roots)


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("install Debian's chromium and chromium-driver (.ci/system-packages does)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    # Chromium's own console would be the only trace of a blocked script; keep it for failures.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(options=options, service=Service(driver))
    session.set_page_load_timeout(120)
    yield session
    session.quit()


def ran(browser, url: str) -> tuple[set[str], str]:
    """Payloads that ran when the page was opened, and the page's visible text."""
    browser.get(url)
    WebDriverWait(browser, 60).until(lambda b: b.execute_script("return document.readyState") == "complete")
    time.sleep(SETTLE)
    pwned = browser.execute_script("return window.pwned || []")
    title = browser.execute_script("return document.title")
    if "pwned" in title:
        pwned.append("(title)")
    return set(pwned), browser.execute_script("return document.body.innerText")


def _feedback_page(root: Path) -> Path:
    return root / "feedback" / STUDENT / "quiz" / f"{NOTEBOOK}.html"


@pytest.mark.slow
def test_the_payloads_run_when_nothing_stops_them(courses, browser):
    _, undefended = courses
    pwned, _ = ran(browser, _feedback_page(undefended).as_uri())
    assert pwned >= FEEDBACK_LIVE, f"payloads that did not run: {FEEDBACK_LIVE - pwned}"


@pytest.mark.slow
def test_no_script_runs_in_the_feedback_page(courses, browser):
    defended, _ = courses
    page = _feedback_page(defended)
    assert page_policy.META in page.read_text()
    pwned, text = ran(browser, page.as_uri())
    assert pwned == set()
    assert "output removed by the grader: text/html" in text, "the TA sees what was removed"
    assert "<script>" in text, "the student's markdown is shown as text"
    assert "Score: 32.0 / 32.0" in text


@pytest.mark.slow
def test_each_defence_holds_alone(courses, browser, tmp_path):
    defended, undefended = courses
    policy_only = tmp_path / "policy_only.html"  # the undefended page with only the policy added
    policy_only.write_text(page_policy.with_policy(_feedback_page(undefended).read_text()))
    sanitised_only = tmp_path / "sanitised_only.html"  # the defended page without its policy
    sanitised_only.write_text(_feedback_page(defended).read_text().replace(page_policy.META, ""))
    assert ran(browser, policy_only.as_uri())[0] == set()
    assert ran(browser, sanitised_only.as_uri())[0] == set()


@pytest.mark.slow
def test_the_class_report_carries_the_policy(courses, browser):
    defended, _ = courses
    page = report.build_report(defended, ["quiz"])
    assert page.read_text().count(page_policy.META) == 1
    pwned, text = ran(browser, page.as_uri())
    assert pwned == set() and STUDENT in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def formgrader(tmp_path):
    """Start nbgrader's formgrader (a Jupyter server extension) on a course; token auth as in use."""
    servers = []

    def start(root: Path) -> str:
        port, token = _free_port(), secrets.token_hex(16)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / f"runtime{port}")}
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / f"server{port}.log").open("w"),
        )  # fmt: skip
        servers.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (tmp_path / f"server{port}.log").read_text()
                    pytest.fail(f"jupyter server did not start:\n{log[-3000:]}")
                time.sleep(0.5)
        with Gradebook(course.db_url(root), course_id="cnn-case-studies") as gradebook:
            submission = gradebook.find_submission_notebook(NOTEBOOK, "quiz", STUDENT).id
        return f"{base}/formgrader/submissions/{submission}/?token={token}"

    yield start
    for process in servers:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_no_script_runs_in_the_formgrader(courses, browser, formgrader):
    defended, undefended = courses
    pwned, text = ran(browser, formgrader(undefended))
    assert pwned >= FORMGRADER_LIVE, f"payloads that did not run: {FORMGRADER_LIVE - pwned}"
    pwned, text = ran(browser, formgrader(defended))
    assert pwned == set()
    assert "output removed by the grader: text/html" in text, "the submission's own page was shown"


# -- the preprocessor's rules, without a browser ---------------------------------------------------


def _display(data: dict, metadata: dict | None = None):
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})


def test_only_text_and_images_stay_and_the_rest_is_named():
    table = sanitize_outputs._inert_output(_display({"text/html": "<table/>", "text/plain": "  a\n0 1"}))
    assert set(table.data) == {"text/plain"}
    assert table.data["text/plain"].startswith("  a\n0 1\n[output removed by the grader: text/html")
    widget = sanitize_outputs._inert_output(_display({"application/vnd.jupyter.widget-view+json": {}}))
    assert "application/vnd.jupyter.widget-view+json" in widget.data["text/plain"]


def test_image_data_and_sizes_cannot_carry_attributes():
    sizes = {"image/png": {"width": "1 onerror=alert(1)", "height": 20}}
    image = sanitize_outputs._inert_output(_display({"image/png": "iVBORw0KGgo="}, sizes))
    assert image.metadata == {"image/png": {"height": 20}}
    forged = sanitize_outputs._inert_output(_display({"image/png": 'x" onerror="alert(1)'}))
    assert "image/png" not in forged.data


def test_student_markdown_keeps_its_text_and_loses_its_markup():
    html = sanitize_outputs.inert_markdown(
        "**bold** <script>alert(1)</script> [a](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n    code"
    )
    assert "<strong>bold</strong>" in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "<img" not in html and "\n" not in html
    assert markdown2html(html).strip() == html, "markdown passes the block through unchanged"
