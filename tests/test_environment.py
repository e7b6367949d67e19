"""requirements.txt (pip, make) and environment.yml (conda) pin the same versions."""

import re

from grader import settings


def _pins(text: str) -> dict[str, str]:
    return {
        name.lower(): version
        for name, version in re.findall(r"^[\s-]*([A-Za-z0-9_.-]+)==([^\s#]+)", text, re.M)
    }


def test_requirements_and_conda_environment_agree():
    pip_pins = _pins((settings.REPO / "requirements.txt").read_text())
    conda_pins = _pins((settings.REPO / "environment.yml").read_text())
    assert pip_pins, "requirements.txt pins nothing"
    assert pip_pins == conda_pins


def test_known_good_pins():
    pins = _pins((settings.REPO / "requirements.txt").read_text())
    assert pins["tensorflow-cpu"] == "2.21.0"
    assert pins["keras"] == "3.15.1"
    assert pins["nbgrader"] == "0.9.6"
