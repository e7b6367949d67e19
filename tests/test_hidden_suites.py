"""Every graded test cell is worth exactly what its hidden checks award, and every check has a cell."""

import pytest

from grader import course, hidden_checks


class _CheckCollector:
    def __init__(self):
        self.points = {}
        self.unmarked = []

    def pytest_collection_modifyitems(self, items):
        for item in items:
            if not item.get_closest_marker("check"):
                self.unmarked.append(item.name)
            marker = item.get_closest_marker("check")
            if marker:
                cell = marker.kwargs["cell"]
                self.points[cell] = self.points.get(cell, 0) + marker.kwargs["points"]
                assert marker.kwargs["title"] and marker.kwargs["concept"]


def _notebook_points(assignment):
    notebook = course.read(course.COURSE, "source", assignment)
    return {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")
    }


@pytest.mark.parametrize("assignment", [a for a in course.assignments() if hidden_checks.has_suite(a)])
def test_cell_points_match_hidden_checks(assignment):
    collector = _CheckCollector()
    code = pytest.main(
        [*hidden_checks.suite_arguments(assignment), "--collect-only"],
        plugins=[collector],
    )
    assert code == 0
    assert collector.points == pytest.approx(_notebook_points(assignment))
    # A test without a marker would run in every judge and count for nothing: those belong in tests/.
    assert collector.unmarked == []


def test_every_assignment_has_hidden_checks():
    assert course.assignments() and all(hidden_checks.has_suite(a) for a in course.assignments())
