"""Text that student code wrote (error messages, the probe's events), made fit for feedback.

Student code can read whatever its sandbox shows it (the probe's plan, for one) and put it in an
error message.  Before such text reaches a student it is cut to a bounded length and every line
that shares a sizeable piece with the grader's inputs (hidden tests, probe, the source notebook
with its solutions) is replaced.
"""

import json
from pathlib import Path

MATCH = 20  # characters: shorter pieces ("ValueError: ") are common to any Python text
LINE = 8  # a whole line of a grader file at least this long ("import json") is not shown either
REDACTED = "[removed: text from the grader's files]"


def _text(path: Path) -> str:
    if path.suffix == ".ipynb":  # the cells' sources, not their JSON-escaped form
        return "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
    return path.read_text(errors="replace")


class Redactor:
    def __init__(self, files: list[Path]):
        texts = [_text(f) for f in files if f.is_file()]
        self.corpus = "\n".join(texts)
        lines = {line.strip() for text in texts for line in text.splitlines()}
        self.whole_lines = {line for line in lines if len(line) >= LINE}
        self.secret_lines = [line for line in lines if len(line) >= MATCH]

    def _leaks(self, line: str) -> bool:
        piece = line.strip()
        if piece in self.whole_lines or (len(piece) >= MATCH and piece in self.corpus):
            return True
        return any(secret in line for secret in self.secret_lines)

    def __call__(self, text: str, limit: int = 300) -> str:
        text = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in str(text)[: 4 * limit])
        lines = [line for line in text.splitlines() if line.strip()]
        leaks = [self._leaks(line) for line in lines]
        if sum(leaks) * 2 > len(lines):  # mostly the grader's text: what is left would still tell
            return REDACTED
        text = " / ".join(REDACTED if leak else line for line, leak in zip(lines, leaks, strict=True))
        return text if len(text) <= limit else text[: limit - 1] + "…"


def grader_inputs(suites: Path, assignment: str, probe: Path, course_root: Path | None) -> list[Path]:
    """The files whose text must never come back to a student through the probe."""
    files = [probe, *suites.glob("*.py"), *(suites / assignment).rglob("*.py")]
    if course_root is not None:
        files += sorted((course_root / "source" / assignment).glob("*"))
    return files
