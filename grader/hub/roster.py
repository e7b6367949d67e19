"""The course's people: a CSV roster of Unix user names and roles (instructor, ta, student).

Every person becomes a real Unix account, so the names must be safe ones: lower-case, starting with a
letter, at most 32 characters. A bad row is refused with its line number; nothing is created from a
roster that has one.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

ROLES = ("instructor", "ta", "student")
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class RosterError(ValueError):
    """A roster that cannot be used, with the line that says why."""


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    full_name: str

    @property
    def grades(self) -> bool:
        """Instructors and TAs reach the formgrader; students never do."""
        return self.role in ("instructor", "ta")


def read_roster(path: Path, reserved: tuple[str, ...] = ()) -> list[Person]:
    """The people of a roster CSV with columns username, role, full_name (a header row is required)."""
    people: list[Person] = []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        if rows.fieldnames is None or not {"username", "role"} <= set(rows.fieldnames):
            raise RosterError(f"{path}: the header must name the columns username and role (and full_name)")
        for line, row in enumerate(rows, start=2):
            username, role = (row.get("username") or "").strip(), (row.get("role") or "").strip().lower()
            if not NAME.match(username):
                raise RosterError(f"{path}:{line}: {username!r} is not a safe Unix user name")
            if role not in ROLES:
                raise RosterError(f"{path}:{line}: role {role!r} is not one of {', '.join(ROLES)}")
            if username in reserved:
                raise RosterError(f"{path}:{line}: {username!r} is reserved for the course itself")
            if any(person.username == username for person in people):
                raise RosterError(f"{path}:{line}: {username!r} appears twice")
            people.append(Person(username, role, (row.get("full_name") or "").strip()))
    if not any(person.role == "instructor" for person in people):
        raise RosterError(f"{path}: the roster names no instructor")
    return people
