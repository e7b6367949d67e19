"""Clean the submission's folder right after student code ran in it, before the grader reads it.

Guarantee: when this step ends, the autograded folder holds only plain regular files the course
expects there (the notebook, the files released with the assignment, the files the student
submitted, the files the notebook is meant to write), each with one link and under a size limit.
Symbolic links, hard links, FIFOs, sockets, devices, folders and anything else student code left
behind are removed, so nbgrader's writer and `set_permissions`, the hidden checks' record, the
probe, the judge and `generate_feedback`, all of which run with the grader's rights, never follow
them.  Web pages and SVG are never kept: `release_feedback` would hand them out and staff would
open them.  What was removed is listed for the feedback.

Student code is no longer running here: the kernel's sandbox (a PID namespace) ends with it.
"""

import os
import shutil
import stat
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from grader import hidden_checks, safe_files

NOTE_KEY = "grader_notes"  # resources key: lines for the feedback, read by HiddenChecks
ACTIVE_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".js", ".mhtml")
SHOWN = 10  # removed names listed in the feedback
QUIET = {"__pycache__", ".ipynb_checkpoints"}  # made by importing and by Jupyter: removed unsaid


def expected_names(course_root: Path, assignment: str, student: str, notebook: str) -> set[str]:
    """Top-level names that may stay in the autograded folder."""
    names = {notebook, "timestamp.txt"}
    for folder in (course_root / "source" / assignment, course_root / "submitted" / student / assignment):
        if folder.is_dir():
            names |= {p.name for p in folder.iterdir() if not p.name.endswith(".ipynb")}
    if hidden_checks.has_suite(assignment):
        names |= set(hidden_checks.suite_settings(assignment).NOTEBOOK_OUTPUTS)
    return {name for name in names if not name.lower().endswith(ACTIVE_SUFFIXES)}


def _remove(path: Path) -> None:
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)  # fd-based on Linux: links inside are removed, never followed
    else:
        path.unlink()


def clean(folder: Path, expected: set[str], limit: int = safe_files.DEFAULT_LIMIT) -> list[str]:
    """Removes every entry of folder but the expected, safe regular files; returns 'name: why'."""
    removed = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        why = safe_files.why_unsafe(path, limit)
        why = why or ("not a file this assignment uses" if entry.name not in expected else None)
        if why:
            _remove(path)
            if entry.name in QUIET and entry.is_dir(follow_symlinks=False):
                continue
            removed.append(f"{entry.name!r:.80}: {why}")
    return removed


def remove_unsafe(folder: Path) -> list[str]:
    """Second line before feedback: whatever is not a plain file goes, expected or not."""
    names = {entry.name for entry in os.scandir(folder) if safe_files.why_unsafe(Path(entry.path)) is None}
    return clean(folder, {n for n in names if not n.lower().endswith(ACTIVE_SUFFIXES)})


def note(removed: list[str]) -> str:
    shown = ", ".join(removed[:SHOWN]) + (
        f", and {len(removed) - SHOWN} more" if len(removed) > SHOWN else ""
    )
    return f"removed from your folder after your notebook ran, before grading: {shown}"


class CleanFolder(NbGraderPreprocessor):
    max_file_bytes = Integer(safe_files.DEFAULT_LIMIT, help="Largest file kept in a submission's folder").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        folder = Path(resources["metadata"]["path"])
        course_root = folder.resolve().parents[2]  # <root>/autograded/<student>/<assignment>
        info = resources["nbgrader"]
        notebook = f"{resources['metadata']['name']}.ipynb"
        expected = expected_names(course_root, info["assignment"], info["student"], notebook)
        removed = clean(folder, expected, self.max_file_bytes)
        if removed:
            self.log.warning("Removed from %s: %s", folder, "; ".join(removed))
            resources.setdefault(NOTE_KEY, []).append(note(removed))
        return nb, resources
