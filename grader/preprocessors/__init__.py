"""nbgrader preprocessors of the course, one small module per step (as nbgrader's own)."""

from grader.preprocessors.hidden_checks import HiddenChecks

__all__ = ["HiddenChecks"]
