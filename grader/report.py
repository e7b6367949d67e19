"""The instructor's view of a graded class: one self-contained HTML page and a CSV of every grade.

Both read only what grading leaves behind, so they can be rebuilt at any time: nbgrader's gradebook
(course.scores), each submission's outcome (reports/<assignment>/outcomes.json) and the verdict of
every hidden check beside each autograded notebook (hidden_checks.json).  Plots are PNGs inlined as
data URIs, so the page is one file that can be mailed or archived.
"""

import base64
import csv
import io
import json
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from statistics import median

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from nbgrader.api import Gradebook, MissingEntry

from grader import autograde, course, page_policy
from grader.preprocessors.hidden_checks import RECORD_FILE

MOST_FAILED = 5  # checks whose concept messages the report quotes
STATUS_COLOURS = {"graded": "#4c72b0", "refused": "#dd8452", "failed": "#c44e52", "timed out": "#8172b3"}
STATUS_COLOURS["grader error"] = "#000000"  # the grader could not judge: staff must act
NOT_SUBMITTED = "no submission"


@dataclass
class CheckRate:
    title: str
    concept: str
    passed: int = 0
    taken: int = 0

    @property
    def failed(self) -> int:
        return self.taken - self.passed


@dataclass
class ClassRecord:
    """Everything grading left behind for one assignment."""

    assignment: str
    roster: list[str]  # every student with a grade, an outcome, or a place in nbgrader's student list
    scores: dict[str, dict[str, float]]  # student -> graded part (and "total") -> points
    maxima: dict[str, float]  # graded part (and "total") -> points; empty if not in the gradebook
    outcomes: dict[str, autograde.Outcome]
    checks: list[CheckRate]  # least passed first
    problems: Counter  # why hidden checks could not judge some work -> how many submissions


# -- reading ----------------------------------------------------------------------------------------


def _gradebook_exists(root: Path) -> bool:
    """Opening a missing SQLite gradebook would create an empty one: a report must not do that."""
    url = course.db_url(root)
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file()


def _gradebook_students(root: Path) -> list[str]:
    with Gradebook(course.db_url(root), course_id="cnn-case-studies") as gradebook:
        return [student.id for student in gradebook.students]


def _grades(root: Path, assignment: str) -> tuple[dict, dict]:
    try:
        return course.scores(root, assignment), course.max_scores(root, assignment)
    except (MissingEntry, IndexError):  # released to nobody yet, or no notebook recorded
        return {}, {}


def _check_rates(root: Path, assignment: str) -> tuple[list[CheckRate], Counter]:
    rates: dict[str, CheckRate] = {}
    problems = Counter()
    for path in sorted((root / "autograded").glob(f"*/{assignment}/{RECORD_FILE}")):
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # a half-written record says nothing reliable about the class
        problems.update(set(record.get("problems", [])))
        for checks in record.get("cells", {}).values():
            for check in checks:
                rate = rates.setdefault(check["title"], CheckRate(check["title"], check["concept"]))
                rate.taken += 1
                rate.passed += bool(check["passed"])
    return sorted(rates.values(), key=lambda r: (r.passed / r.taken, r.title)), problems


def gather(root: Path, assignment: str, enrolled: Iterable[str] = ()) -> ClassRecord:
    scores, maxima = _grades(root, assignment) if _gradebook_exists(root) else ({}, {})
    outcomes = {o.student: o for o in autograde.load_outcomes(root, assignment)}
    checks, problems = _check_rates(root, assignment)
    # The enrolled who did not hand in are listed only once the assignment is in the gradebook (released).
    roster = sorted(set(enrolled if maxima else ()) | set(scores) | set(outcomes))
    return ClassRecord(assignment, roster, scores, maxima, outcomes, checks, problems)


def gather_all(root: Path, assignments: list[str]) -> list[ClassRecord]:
    # Enrolled students without a submission still get a row: a missing hand-in must stay visible.
    enrolled = _gradebook_students(root) if _gradebook_exists(root) else []
    return [gather(root, a, enrolled) for a in assignments]


def status_of(record: ClassRecord, student: str) -> tuple[str, str]:
    """(status, reason): the runner's outcome, or what the gradebook alone tells."""
    if student in record.outcomes:
        return record.outcomes[student].status, record.outcomes[student].reason
    if student in record.scores:
        return "graded", "graded outside the parallel runner (no outcome recorded)"
    return NOT_SUBMITTED, ""


# -- plots ------------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    # A bare Figure on the Agg canvas: no pyplot state, so reports can be built from any thread.
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _image(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def score_histogram(totals: list[float], maximum: float) -> Figure:
    figure = _figure(6.5, 3)
    axes = figure.add_subplot()
    top = max([maximum, *totals, 1.0])
    bins = int(top) if float(top).is_integer() and top <= 40 else 20
    axes.hist(totals, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    axes.axvline(maximum, color="#c44e52", linestyle="--", linewidth=2, label=f"max score {maximum:g}")
    axes.set(xlabel="total score", ylabel="students", xlim=(0, top * 1.04))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper left")
    return figure


def check_pass_chart(checks: list[CheckRate]) -> Figure:
    figure = _figure(8, 0.55 * len(checks) + 1.2)
    axes = figure.add_subplot()
    labels = [textwrap.fill(c.title, 55) for c in checks]
    rates = [100 * c.passed / c.taken for c in checks]
    colours = ["#c44e52" if r < 50 else "#dd8452" if r < 80 else "#55a868" for r in rates]
    bars = axes.barh(labels, rates, color=colours)
    axes.bar_label(bars, [f"{c.passed}/{c.taken}" for c in checks], padding=3, fontsize=8)
    axes.invert_yaxis()  # least passed at the top, where the eye starts
    axes.set(xlim=(0, 112), xlabel="% of submissions passing")
    axes.tick_params(axis="y", labelsize=8)
    return figure


def grading_cost_chart(outcomes: list[autograde.Outcome]) -> Figure:
    figure = _figure(8, 0.3 * len(outcomes) + 1.5)
    seconds_axes, memory_axes = figure.subplots(1, 2, sharey=True)
    students = [o.student for o in outcomes]
    colours = [STATUS_COLOURS.get(o.status, "grey") for o in outcomes]
    seconds_axes.barh(students, [o.seconds for o in outcomes], color=colours)
    memory_axes.barh(students, [o.peak_memory_mb for o in outcomes], color=colours)
    seconds_axes.invert_yaxis()
    seconds_axes.set(xlabel="grading time (s)")
    memory_axes.set(xlabel="peak memory (MB)")
    seconds_axes.tick_params(axis="y", labelsize=8)
    shown = sorted({o.status for o in outcomes})
    handles = [Patch(color=STATUS_COLOURS.get(s, "grey"), label=s) for s in shown]
    figure.legend(handles=handles, fontsize=8, loc="outside upper center", ncols=len(shown))
    return figure


# -- html -------------------------------------------------------------------------------------------

STYLE = """
body { font-family: sans-serif; max-width: 70em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.number { text-align: right; }
p.none { color: #777; font-style: italic; }
"""


def _cell(value) -> str:
    if isinstance(value, float | int):
        return f'<td class="number">{value:g}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _none(what: str) -> str:
    return f'<p class="none">{escape(what)}</p>'


def _scores_section(record: ClassRecord) -> str:
    if not record.scores:
        return _none("No grades in the gradebook for this assignment yet.")
    totals = [row["total"] for row in record.scores.values()]
    maximum = record.maxima["total"]
    summary = f"{len(totals)} submissions, median {median(totals):g} of {maximum:g}."
    return f"<p>{summary}</p>" + _image(score_histogram(totals, maximum), "score distribution")


def _checks_section(record: ClassRecord) -> str:
    if not record.checks:
        return _none("No hidden-check records (hidden_checks.json) for this assignment.")
    missed = [c for c in record.checks if c.failed][:MOST_FAILED]
    rows = [[c.title, c.concept, f"{c.failed} of {c.taken}"] for c in missed]
    # The chart's labels are pixels: the same numbers as text, folded, keep titles searchable.
    every = _table(["check", "passed"], [[c.title, f"{c.passed} of {c.taken}"] for c in record.checks])
    parts = [
        _image(check_pass_chart(record.checks), "pass rate of every hidden check"),
        f"<details><summary>Every check as a table</summary>{every}</details>",
    ]
    if missed:
        parts += [
            "<h4>Most missed concepts</h4>",
            _table(["check", "what students are told", "failed"], rows),
        ]
    if record.problems:
        rows = [[problem, count] for problem, count in record.problems.most_common()]
        parts += ["<h4>Work the checks could not judge</h4>", _table(["problem", "submissions"], rows)]
    return "".join(parts)


def _outcomes_section(record: ClassRecord) -> str:
    if not record.outcomes:
        return _none("No outcomes.json: this assignment was not graded by the parallel runner.")
    counts = Counter((o.status, o.reason or "—") for o in record.outcomes.values())
    rows = [[status, reason, n] for (status, reason), n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return _table(["status", "reason", "submissions"], rows)


def _cost_section(record: ClassRecord) -> str:
    if not record.outcomes:
        return _none("No grading times recorded.")
    outcomes = sorted(record.outcomes.values(), key=lambda o: o.student)
    seconds = [o.seconds for o in outcomes]
    memory = max(o.peak_memory_mb for o in outcomes)
    summary = (
        f"Median {median(seconds):.0f} s, longest {max(seconds):.0f} s, total {sum(seconds):.0f} s of "
        f"worker time; highest peak memory {memory:.0f} MB."
    )
    return f"<p>{summary}</p>" + _image(grading_cost_chart(outcomes), "grading time and peak memory")


def _grades_section(record: ClassRecord) -> str:
    if not record.roster:
        return _none("No submissions, and the assignment is not in the gradebook.")
    parts = [p for p in record.maxima if p != "total"]
    header = ["student", *(f"{p} (/{record.maxima[p]:g})" for p in parts)]
    header += [f"total (/{record.maxima.get('total', 0):g})", "status"]
    rows = []
    for student in record.roster:
        row = record.scores.get(student, {})
        rows.append(
            [student, *(row.get(p, "") for p in parts), row.get("total", ""), status_of(record, student)[0]]
        )
    return _table(header, rows)


def _assignment_section(record: ClassRecord) -> str:
    sections = [
        ("Score distribution", _scores_section),
        ("Hidden checks across the class", _checks_section),
        ("Outcomes", _outcomes_section),
        ("Grading time and memory", _cost_section),
        ("Grades", _grades_section),
    ]
    body = "".join(f"<h3>{title}</h3>{render(record)}" for title, render in sections)
    return f'<section id="{escape(record.assignment)}"><h2>{escape(record.assignment)}</h2>{body}</section>'


def build_report(root: Path, assignments: list[str]) -> Path:
    records = gather_all(root, assignments)
    contents = "".join(f'<li><a href="#{escape(a)}">{escape(a)}</a></li>' for a in assignments)
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>CNN Case Studies: class report</title><style>{STYLE}</style></head><body>"
        f"<h1>CNN Case Studies: class report</h1><ul>{contents}</ul>"
        + "".join(_assignment_section(r) for r in records)
        + "</body></html>\n"
    )
    path = root / "reports" / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Every student-derived string is escaped above; the policy is the second line.
    path.write_text(page_policy.with_policy(page), encoding="utf-8")
    return path


# -- csv --------------------------------------------------------------------------------------------


def export_csv(root: Path, path: Path, assignments: list[str] | None = None) -> Path:
    """One row per student and assignment; a part column is empty where the assignment has no such part."""
    records = gather_all(root, assignments if assignments is not None else course.assignments(root))
    parts = list(dict.fromkeys(p for r in records for p in r.maxima if p != "total"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "assignment", *parts, "total", "max_score", "status", "reason"])
        for record in records:
            for student in record.roster:
                row = record.scores.get(student, {})
                status, reason = status_of(record, student)
                cells = [row.get(p, "") for p in parts]
                maximum = record.maxima.get("total", "")
                writer.writerow(
                    [student, record.assignment, *cells, row.get("total", ""), maximum, status, reason]
                )
    return path
