"""Reading and writing files in a folder that student code has written to, without following links.

Student code may leave symbolic links, hard links, FIFOs or huge files where the grader expects its
own or the student's files.  Everything here opens with O_NOFOLLOW and checks what it opened
(a regular file, one link, under a size limit), so the grader's own rights never reach a file that
student code pointed at.
"""

import os
import stat
from pathlib import Path

DEFAULT_LIMIT = 1 << 30  # bytes; a trained ResNets model is 283 MB


class UnsafeFile(OSError):
    """The path is not a plain, single-linked regular file under the size limit."""


def why_unsafe(path: Path, limit: int = DEFAULT_LIMIT) -> str | None:
    """Why the grader must not open path (from lstat, links not followed), or None."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if stat.S_ISDIR(info.st_mode):
        return "a folder"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a FIFO, socket or device)"
    if info.st_nlink > 1:
        return "a hard link to another file"
    if info.st_size > limit:
        return f"larger than {limit >> 20} MB"
    return None


def _open_regular(path: Path, limit: int) -> int:
    # O_NONBLOCK: opening a FIFO must not hang the grader (it is then refused by the fstat check).
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1 or info.st_size > limit:
        os.close(fd)
        raise UnsafeFile(f"{path.name}: {why_unsafe(path, limit) or 'changed while opened'}")
    return fd


def read_bytes(path: Path, limit: int = DEFAULT_LIMIT) -> bytes:
    fd = _open_regular(Path(path), limit)
    with os.fdopen(fd, "rb") as file:
        return file.read(limit + 1)[:limit]


def copy(src: Path, dest: Path, limit: int = DEFAULT_LIMIT) -> None:
    """Copies a regular file; dest must not exist yet (O_EXCL), so it cannot be a planted link."""
    fd = _open_regular(Path(src), limit)
    with os.fdopen(fd, "rb") as source:
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(out, "wb") as target:
            left = limit
            while left > 0 and (chunk := source.read(min(left, 1 << 20))):
                target.write(chunk)
                left -= len(chunk)


def write_text(path: Path, text: str) -> None:
    """Replaces path with a new regular file, whatever stood there (a link is replaced, not followed)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(temporary, path)  # renames over the entry itself: a symlink there is not followed
