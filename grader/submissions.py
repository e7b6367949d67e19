"""Build realistic submissions from an assignment's source notebook, for the demo, tests and benchmarks.

A submission is the released notebook with some answer cells filled in: the instructor's solution,
or the solution with one realistic mistake, or something hostile.  Mistakes are written as text
edits of the solution so they stay true to what a student would type.
"""

import re
from dataclasses import dataclass, field

import nbformat

# A cell's last marker has no newline after it.
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|\Z)", re.MULTILINE)


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    edits: dict = field(default_factory=dict)  # grade_id -> list of (old, new) text replacements
    append: dict = field(default_factory=dict)  # grade_id -> code added at the end of the cell
    blank: tuple = ()  # grade_ids left as released (unanswered)
    untouched: bool = False  # the whole release, as downloaded
    transform: object = None  # notebook -> notebook or bytes: edits beyond answer cells (hostile ones)


def solution_source(source: str) -> str:
    return SOLUTION_MARKERS.sub("", source)


def build(source_nb: nbformat.NotebookNode, release_nb: nbformat.NotebookNode, variant: Variant):
    """The release notebook with answer cells as the variant writes them."""
    notebook = nbformat.from_dict(release_nb)
    if variant.untouched:
        return variant.transform(notebook) if variant.transform else notebook
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: solution_source(c.source)
        for c in source_nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in solutions or grade_id in variant.blank:
            continue
        text = solutions[grade_id]
        for old, new in variant.edits.get(grade_id, []):
            if old not in text:
                raise ValueError(f"variant {variant.name}: {old!r} not found in {grade_id}")
            text = text.replace(old, new)
        cell.source = text + variant.append.get(grade_id, "")
    return variant.transform(notebook) if variant.transform else notebook
