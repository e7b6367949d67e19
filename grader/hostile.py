"""Hostile submissions any assignment must survive: each breaks one thing a grader relies on.

They are built on the solution (so whatever the hostility spares still earns its credit) and are
shared by the demo class, the project's tests and the benchmarks.
"""

import nbformat

from grader.submissions import Variant

FLOOD = "\nfor line in range(200_000):\n    print('spam ' * 40)\n"
LOOP = "\nwhile True:\n    pass\n"
MEMORY = "\nhoard = []\nwhile True:\n    hoard.append(bytearray(256 * 2**20))\n"
KILL = "\nimport os\n\nos.kill(os.getpid(), 9)\n"
DEAF = (
    "\nimport signal\nimport time\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "while True:\n    time.sleep(1)\n"
)


def _grade_cells(notebook):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _delete_test_cell(notebook):
    notebook.cells.remove(_grade_cells(notebook)[0])
    return notebook


def _edit_test_cell(notebook):
    _grade_cells(notebook)[0].source = "print('all tests passed')"
    return notebook


def _inflate_points(notebook):
    for cell in _grade_cells(notebook):
        cell.metadata["nbgrader"]["points"] = 1000
    return notebook


def _break_json(notebook):
    return nbformat.writes(notebook)[:-200].encode()


def variants(first_answer: str, last_answer: str) -> list[Variant]:
    """first/last_answer: grade ids of the assignment's first and last answer cells."""
    return [
        Variant("infinite_loop", "an answer cell that never ends", append={last_answer: LOOP}),
        Variant(
            "memory_hog", "an answer cell that allocates memory until it fails", append={first_answer: MEMORY}
        ),
        Variant("kernel_killer", "an answer cell that kills its own kernel", append={last_answer: KILL}),
        Variant(
            "interrupt_ignorer",
            "an answer cell that ignores the interrupt at its time limit",
            append={last_answer: DEAF},
        ),
        Variant("output_flood", "an answer cell that prints 40 MB", append={first_answer: FLOOD}),
        Variant("deleted_test_cell", "deletes the first graded test cell", transform=_delete_test_cell),
        Variant("edited_test_cell", "replaces a test cell by a print", transform=_edit_test_cell),
        Variant("inflated_points", "sets every test cell's points to 1000", transform=_inflate_points),
        Variant("broken_json", "a truncated notebook file", transform=_break_json),
    ]
