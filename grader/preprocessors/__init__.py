"""nbgrader preprocessors of the course, one small module per step (as nbgrader's own)."""

from grader.preprocessors.clean_folder import CleanFolder
from grader.preprocessors.hidden_checks import HiddenChecks
from grader.preprocessors.recover_answer_cells import RecoverAnswerCells
from grader.preprocessors.resilient_execute import ResilientExecute
from grader.preprocessors.restore_test_cells import RestoreTestCells
from grader.preprocessors.sanitize_outputs import SanitizeOutputs

__all__ = [
    "CleanFolder",
    "HiddenChecks",
    "RecoverAnswerCells",
    "ResilientExecute",
    "RestoreTestCells",
    "SanitizeOutputs",
]
