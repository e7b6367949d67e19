"""Hidden checks: pytest suites that judge artifacts built from a submission, never shown to students."""
