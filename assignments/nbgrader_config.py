"""nbgrader configuration of the CNN case studies course (run nbgrader from this folder)."""

import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from grader import settings
from grader.page_policy import FeedbackExporter
from grader.preprocessors import (
    CleanFolder,
    HiddenChecks,
    RecoverAnswerCells,
    ResilientExecute,
    RestoreTestCells,
)
from grader.preprocessors.sanitize_outputs import SanitizeOutputs
from grader.sandbox import SandboxedExecute

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "cnn-case-studies"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
# SQLite beside the course by default; CASE_STUDIES_GRADEBOOK takes any SQLAlchemy URL (PostgreSQL too).
default_gradebook = "sqlite:///" + str(Path(__file__).resolve().parent / "gradebook.db")
c.CourseDirectory.db_url = os.environ.get("CASE_STUDIES_GRADEBOOK", default_gradebook)
# Trained models written by the notebooks are outputs, never course files to release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.keras"]

# nbgrader's exchange (release_feedback): beside the course unless CASE_STUDIES_EXCHANGE says otherwise.
c.Exchange.root = os.environ.get("CASE_STUDIES_EXCHANGE", str(Path(__file__).resolve().parent / "exchange"))

# Kernels see the prepared student data and the weights cache, never the grader-only splits.
os.environ.update(settings.kernel_environment())

# Training cells run for minutes, not the default 30 s.  Graded beside other submissions
# (`grader autograde`), a cell shares the cores, so every limit grows by how many threads share a
# core: a cell that would finish when graded alone is not cut short by its neighbours' load.
scale, cell_seconds = settings.time_scale(), settings.cell_timeout()
c.Execute.timeout = round(cell_seconds * scale)
# The quiz trains nothing: it keeps nbgrader's own 30 s per cell, so a looping answer costs seconds.
# Its cells take milliseconds, so 30 s means a hang whatever the load: not stretched.
quiz_cell_seconds = min(30, cell_seconds)
c.ResilientExecute.timeout_by_assignment = {"quiz": quiz_cell_seconds}
# After a cell's reply, its last output may lag on a loaded machine (an interrupted training loop
# takes seconds to stop); nbgrader's 4 s would then abort the whole notebook.
c.Execute.iopub_timeout = 30

# Student code runs in a bubblewrap sandbox: no network, read-only system, only its own folder
# writable, no view of solutions, hidden tests, grader-only data or other students' work.
# (nbgrader 0.9.6 ignores c.Execute.kernel_manager_class, hence SandboxedExecute in the list.)
# CASE_STUDIES_SANDBOX=0 turns it off (e.g. where bubblewrap cannot run); kernels that die or
# flood their output are contained either way.
c.SandboxedKernelManager.memory_limit = 6 * 2**30
c.HiddenChecks.sandboxed = settings.sandbox_enabled()
c.HiddenChecks.step_timeout = round(min(120, cell_seconds // 2) * scale)
c.HiddenChecks.step_timeout_by_assignment = {"quiz": quiz_cell_seconds // 2}
c.HiddenChecks.probe_timeout = round(300 * scale)
c.HiddenChecks.tests_timeout = round(600 * scale)
# Before the notebook runs: answers copied into cells without metadata are recognised, and test
# cells a student deleted are put back, so that the hidden checks score what the answers earned.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    RecoverAnswerCells,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    RestoreTestCells,
    CheckCellMetadata,
]
# Hidden checks score the test cells right after the notebook ran, before grades are saved.
c.Autograde.autograde_preprocessors = [
    SandboxedExecute if settings.sandbox_enabled() else ResilientExecute,
    CleanFolder,  # before anything of the grader reads what student code left in the folder
    HiddenChecks,
    SanitizeOutputs,  # before anything renders outputs or student markdown as HTML
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback pages refuse every script (grader/page_policy.py), a second line behind SanitizeOutputs.
c.GenerateFeedback.exporter_class = FeedbackExporter
