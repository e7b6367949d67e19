"""Self-checks for the practice exercises at the end of each lecture notebook.

A self-check never raises: a student who has not tried an exercise yet, or got it wrong, reads a hint
and the notebook keeps running.  Each check returns whether the answer passed, so a notebook can also
run its own worked answers through the same check.
"""

import math


def check(exercise: str, attempt, expected, hint: str, tolerance: float = 0.0) -> bool:
    """Compares an attempt (a value, or a function called with no arguments) with the expected value."""
    if attempt is None:
        print(f"{exercise}: not tried yet.")
        return False
    try:
        value = attempt() if callable(attempt) else attempt
    except Exception as error:  # the student's code: report, never stop the notebook
        print(f"{exercise}: your code raised {type(error).__name__}: {error}")
        return False
    if _same(value, expected, tolerance):
        print(f"{exercise}: right.")
        return True
    print(f"{exercise}: not yet ({value!r}). Hint: {hint}")
    return False


def _same(value, expected, tolerance: float) -> bool:
    if isinstance(expected, bool):  # a true/false question wants True or False, not 1 or 0
        return isinstance(value, bool) and value == expected
    if not isinstance(expected, int | float):
        return value == expected
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return abs(value - expected) <= tolerance
