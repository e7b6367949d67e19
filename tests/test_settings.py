"""Settings read from the environment."""

from grader import settings


def test_onednn_is_on_unless_the_machine_says_otherwise(monkeypatch):
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert settings.kernel_environment()["TF_ENABLE_ONEDNN_OPTS"] == "1"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert settings.kernel_environment()["TF_ENABLE_ONEDNN_OPTS"] == "0"
