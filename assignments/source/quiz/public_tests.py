"""Public checks of the quiz: the *form* of each answer, never its content."""

LETTERS = {"a", "b", "c", "d"}


def _form_problem(kind, value):
    if value is None:
        return "still None"
    if kind == "single" and not (isinstance(value, str) and value.strip().lower() in LETTERS):
        return 'should be one letter, "a" to "d"'
    if kind == "multiple" and not (
        isinstance(value, set | list | tuple) and value and {str(v).strip().lower() for v in value} <= LETTERS
    ):
        return 'should be a set of letters, e.g. {"a", "c"}'
    if kind == "truefalse" and not isinstance(value, bool):
        return "should be True or False"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "should be a number"
    return None


def check_form(kinds, namespace):
    problems = [
        f"{name}: {problem}"
        for name, kind in kinds.items()
        if (problem := _form_problem(kind, namespace.get(name)))
    ]
    assert not problems, "Some answers are not in the expected form:\n" + "\n".join(problems)
    print(f"All {len(kinds)} answers have the expected form; the grader checks their content.")
