"""Hidden checks: pytest suites that judge artifacts built from a submission, never shown to students."""


class GraderFault(RuntimeError):
    """Raised by a hidden check when the grader's own material (grader-only data, weights) is missing
    or broken: the check did not judge the submission, and no grade may come from it."""
