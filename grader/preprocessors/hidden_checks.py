"""Score graded test cells from the hidden checks, after nbgrader's Execute step.

The kernel's run of a test cell only shows the student's public tests; the points come from the
hidden checks (nbgrader's partial credit: a numeric execute_result).  Error tracebacks and stderr
are turned into plain text so nbgrader does not zero a cell the hidden checks passed.
"""

import json
from dataclasses import asdict
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Dict, Integer

from grader import hidden_checks, safe_files, settings
from grader.preprocessors.clean_folder import NOTE_KEY
from grader.preprocessors.recover_answer_cells import NOTES

RECORD_FILE = "hidden_checks.json"


def _public_test_text(outputs) -> str:
    lines = []
    for output in outputs:
        if output.output_type == "stream":
            lines.append(output.text.rstrip())
        elif output.output_type == "error":
            lines.append(f"Public tests stopped with {output.ename}: {output.evalue}")
    return "\n".join(line for line in lines if line)


def feedback_text(checks, problems) -> str:
    earned = sum(c.points for c in checks if c.passed)
    total = sum(c.points for c in checks)
    lines = [f"Hidden checks (the grader's own inputs): {earned:g} of {total:g} points"]
    for check in checks:
        lines.append(f"  [pass] {check.title}" if check.passed else f"  [FAIL] {check.concept}")
    lines += [f"  Note: {problem}" for problem in problems]
    if settings.quick_mode():
        lines.append(
            "  Note: graded in quick mode (CASE_STUDIES_QUICK=1): shorter training and a lower accuracy "
            "bar, for the course's own tests and demo; not a real grade."
        )
    return "\n".join(lines)


class HiddenChecks(NbGraderPreprocessor):
    probe_timeout = Integer(300, help="Seconds the answer cells may take when run on their own").tag(
        config=True
    )
    tests_timeout = Integer(600, help="Seconds the hidden test suite may take").tag(config=True)
    step_timeout = Integer(120, help="Seconds one answer cell or one artifact build may take").tag(
        config=True
    )
    step_timeout_by_assignment = Dict(
        {}, help="Seconds one answer cell may take in the named assignments, instead of `step_timeout`"
    ).tag(config=True)
    sandboxed = Bool(True, help="Run the answer cells in the bubblewrap sandbox (grader.sandbox)").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        if not hidden_checks.has_suite(assignment):
            return nb, resources
        folder = Path(resources["metadata"]["path"])
        verdicts = hidden_checks.run(
            nb,
            assignment,
            folder,
            self.probe_timeout,
            self.tests_timeout,
            self.sandboxed,
            self.step_timeout_by_assignment.get(assignment, self.step_timeout),
            course_root=folder.resolve().parents[2],  # <root>/autograded/<student>/<assignment>
        )
        notes = nb.metadata.get(NOTES, []) + resources.get(NOTE_KEY, [])
        test_cells = [c for c in nb.cells if c.cell_type == "code" and is_grade(c) and not is_solution(c)]
        unjudged = [
            c.metadata.nbgrader["grade_id"]
            for c in test_cells
            if not verdicts.cells.get(c.metadata.nbgrader["grade_id"])
        ]
        faults = verdicts.grader_faults or [f"no hidden check ran for cell {cell}" for cell in unjudged]
        if faults:
            # nbgrader then stops this submission without saving a grade; `grader autograde` reports it
            raise hidden_checks.GraderError("; ".join(faults))
        for index, cell in enumerate(test_cells):
            self._score(cell, verdicts, notes if index == 0 else [])
        self._record(verdicts, notes, folder)
        return nb, resources

    def _record(self, verdicts, notes: list[str], folder: Path) -> None:
        """Per-check verdicts beside the autograded notebook, for the class report (no test code).
        Written as a new file: whatever student code left under that name is replaced, not followed."""
        record = {
            "cells": {cell: [asdict(check) for check in checks] for cell, checks in verdicts.cells.items()},
            "problems": verdicts.problems,
            "notes": notes,
            "seconds": verdicts.seconds,
        }
        safe_files.write_text(folder / RECORD_FILE, json.dumps(record, indent=1))

    def _score(self, cell, verdicts, notes: list[str]):
        grade_id = cell.metadata.nbgrader["grade_id"]
        checks = verdicts.cells.get(grade_id, [])
        earned = sum(c.points for c in checks if c.passed)
        public = _public_test_text(cell.outputs)
        problems = []
        if earned < cell.metadata.nbgrader["points"]:
            failed = {c.artifact for c in checks if not c.passed}
            problems = [
                f"`{name}` failed when the grader ran it: {error}"
                for name, error in verdicts.artifact_errors.items()
                if name in failed
            ]
            problems += verdicts.problems
        summary = feedback_text(checks, problems + notes)
        text = f"{public}\n\n{summary}\n" if public else f"{summary}\n"
        cell.outputs = [
            new_output("stream", name="stdout", text=text),
            new_output(
                "execute_result", data={"text/plain": f"{earned:g}"}, execution_count=cell.execution_count
            ),
        ]
