"""Collect submissions into nbgrader's submitted/ folder, from a folder tree or an LMS zip download.

Accepted layouts (inside a folder or a zip): <student>/<any>.ipynb or <student>_<any>.ipynb, which
covers what Canvas, Moodle and plain folders produce.  Anything else is reported, never guessed.
"""

import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from grader import course, safe_files

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")


@dataclass
class Collection:
    collected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<entry>: why"


def _student_of(entry: PurePosixPath) -> str | None:
    parts = [p for p in entry.parts if p not in ("", ".")]
    if len(parts) >= 2:
        candidate = parts[-2].split("_")[0]
    else:
        candidate = parts[-1].split("_")[0] if "_" in parts[-1] else None
    return candidate if candidate and STUDENT_ID.match(candidate) else None


def _entries(source: Path):
    """(name inside the source, bytes, modification time) for every notebook in it."""
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as packed:
            for info in packed.infolist():
                if info.filename.endswith(".ipynb") and not info.is_dir():
                    yield (
                        PurePosixPath(info.filename),
                        packed.read(info),
                        datetime(*info.date_time, tzinfo=UTC),
                    )
    elif source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            name = PurePosixPath(path.relative_to(source).as_posix())
            if safe_files.why_unsafe(path):  # a link would make the grader read what it points at
                yield name, None, None
                continue
            when = datetime.fromtimestamp(path.lstat().st_mtime, UTC)
            yield name, safe_files.read_bytes(path), when
    else:
        raise FileNotFoundError(f"{source} is neither a folder nor a zip file")


def collect(root: Path, assignment: str, source: Path) -> Collection:
    result = Collection()
    seen = set()
    for entry, content, when in _entries(source):
        if ".ipynb_checkpoints" in entry.parts:
            continue
        student = _student_of(entry)
        if content is None:
            result.skipped.append(
                f"{entry}: {safe_files.why_unsafe(source / entry)}, not a plain notebook file"
            )
        elif student is None:
            result.skipped.append(
                f"{entry}: no student id in the path (use <student>/<file> or <student>_<file>)"
            )
        elif student in seen:
            result.skipped.append(f"{entry}: a second notebook for {student}; the first one was kept")
        else:
            seen.add(student)
            course.submit(root, assignment, student, content, when)
            result.collected.append(student)
    return result
