"""Shared fixtures: the course mirror, and private data folders for tests that prepare data."""

import os
from pathlib import Path

import pytest

from grader import settings


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = settings.mirror_dir()
    if path is None or not path.is_dir():
        pytest.fail("set CASE_STUDIES_MIRROR to the course mirror (CI: ../shared/mirror); see README")
    return path


@pytest.fixture
def private_data(tmp_path, monkeypatch):
    """Student and grader data folders of this test's own."""
    monkeypatch.setenv("CASE_STUDIES_DATA", str(tmp_path / "students"))
    monkeypatch.setenv("CASE_STUDIES_GRADER_DATA", str(tmp_path / "grader_only"))
    monkeypatch.setenv("CASE_STUDIES_DOWNLOADS", str(tmp_path / "downloads"))
    return tmp_path


@pytest.fixture(scope="session")
def prepared_data(mirror):
    """The repository's prepared data (what `grader prepare-data` makes), shared by slow tests."""
    from grader import demo

    demo.prepare_all()
    return Path(os.environ.get("CASE_STUDIES_DATA", settings.student_data_dir()))


@pytest.fixture(scope="session")
def released_course(tmp_path_factory, prepared_data):
    """A private copy of the nbgrader course with every assignment released."""
    from grader import course

    return course.private_copy(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch
