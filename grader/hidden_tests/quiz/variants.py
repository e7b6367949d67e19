"""Quiz submissions: the key, a blank release, a half-right student, and the hostile set."""

from grader import hostile, settings
from grader.hidden_tests.quiz import answer_key
from grader.submissions import Variant

VARIANTS = [
    Variant("solution", "every answer right"),
    Variant("untouched", "the release as downloaded", untouched=True),
    Variant(
        "half_right",
        "misremembers the numbers and the MobileNet section",
        edits={
            "classic_networks_answers": [("q04 = 138", "q04 = 60")],
            "one_by_one_answers": [("q10 = 17", "q10 = 16"), ("q13 = 6144", "q13 = 6176")],
            "mobilenet_answers": [('q21 = "c"', 'q21 = "b"'), ("q22 = 144", "q22 = 24")],
        },
    ),
]
HOSTILE = hostile.variants("classic_networks_answers", "practice_answers")

# Reads the grader's answer key from disk and leaves a file outside its folder, if it can.
THIEF_CODE = f"""
try:
    stolen = {{}}
    exec(open({str(answer_key.__file__)!r}).read(), stolen)
    for entry in stolen["KEY"]:
        globals()[entry.question] = entry.answer
    open({str(settings.REPO / "STOLEN_BY_STUDENT")!r}, "w").write("escaped the sandbox")
except Exception as error:
    print("could not steal:", error)
"""


def _steal(notebook):
    """The release with every answer left blank and the thief's code as the last answer cell."""
    answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    answers[-1].source = THIEF_CODE
    return notebook


HOSTILE.append(
    Variant("answer_thief", "reads the hidden answer key from disk", untouched=True, transform=_steal)
)
