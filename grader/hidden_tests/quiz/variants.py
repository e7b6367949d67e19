"""Quiz submissions: the key, a blank release, a half-right student, and the hostile set."""

from grader import hostile
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
