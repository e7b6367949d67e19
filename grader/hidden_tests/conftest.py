"""Shared pytest plumbing for hidden checks: options, fixtures and the results file.

Each hidden test carries a `check` marker naming the notebook's grade cell it scores, its points,
a title shown when it passes and the concept a student missed when it fails.  Only those
sentences reach the student; test code, inputs and expected numbers stay here.
"""

import json
from pathlib import Path

import pytest

from grader.hidden_tests import GraderFault


def pytest_addoption(parser):
    parser.addoption("--artifacts", help="folder written by grader.probe")
    parser.addoption("--submission-dir", help="the executed submission's folder")
    parser.addoption("--results", help="where to write the verdicts as JSON")


def pytest_configure(config):
    config.addinivalue_line("markers", "check(cell, points, title, concept): a graded hidden check")
    config._check_results = []


@pytest.fixture(scope="session")
def artifacts(pytestconfig) -> Path:
    return Path(pytestconfig.getoption("--artifacts"))


@pytest.fixture(scope="session")
def submission_dir(pytestconfig) -> Path:
    return Path(pytestconfig.getoption("--submission-dir"))


@pytest.fixture(scope="session")
def probe_report(artifacts) -> dict:
    path = artifacts / "probe.json"
    return json.loads(path.read_text()) if path.is_file() else {"artifacts": {}, "fatal": "probe did not run"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    marker = item.get_closest_marker("check")
    if marker is None or report.when not in ("setup", "call"):
        return
    if report.when == "call" or report.failed or report.skipped:
        result = {"test": item.name, **marker.kwargs, "passed": report.passed and report.when == "call"}
        # The grader's own material missing, or its code not importing: not the submission's failure.
        if call.excinfo is not None and call.excinfo.errisinstance((GraderFault, ImportError)):
            result["grader_fault"] = f"{call.excinfo.typename}: {str(call.excinfo.value)[:300]}"
        item.config._check_results.append(result)


def pytest_sessionfinish(session):
    path = session.config.getoption("--results")
    if path:
        Path(path).write_text(json.dumps(session.config._check_results, indent=1))
