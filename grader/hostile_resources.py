"""Hostile quiz submissions that go after the grader's host rather than its verdicts: one reads
the environment it runs in (where a grader's tokens and database URLs would be), one fills the
disk.  Built on the quiz's solution, so whatever the hostility spares still earns its credit.
"""

import re

from grader.submissions import Variant

# The quiz's answer cells, in notebook order.
ANSWER_CELLS = (
    "classic_networks_answers",
    "residual_networks_answers",
    "one_by_one_answers",
    "inception_answers",
    "mobilenet_answers",
    "efficientnet_answers",
    "transfer_learning_answers",
    "practice_answers",
)
ENV_SEPARATOR = " ;; "
ENV_END = "END_OF_ENVIRONMENT"
ENV_CHUNK = 250  # characters of the environment raised per answer cell: the probe keeps 300 per error

# Prints the whole environment, then raises a piece of it from every answer cell: the probe throws
# printed output away, but the errors it reports reach the feedback.
ENV_DUMP = """
import os as _os

_dump = {separator!r}.join(f"{{k}}={{v}}" for k, v in sorted(_os.environ.items())) + {separator!r} + {end!r}
print(_dump)
if _dump[{start}:{stop}]:
    raise RuntimeError("env{index}:" + _dump[{start}:{stop}])
"""


def _env_dump(index: int) -> str:
    start, stop = index * ENV_CHUNK, (index + 1) * ENV_CHUNK
    return ENV_DUMP.format(separator=ENV_SEPARATOR, end=ENV_END, start=start, stop=stop, index=index)


# Writes 16 MB files into its folder until a write fails (a full disk, or a limit of the grader).
FILL = """
_count = 0
try:
    while True:
        with open(f"filler_{_count}.bin", "wb") as _file:
            for _ in range(16):
                _file.write(b"x" * 2**20)
        _count += 1
except OSError as _error:
    print(f"wrote {_count} files, then: {_error}")
"""

ENV_PRINTER = Variant(
    "env_printer",
    "prints the environment from every answer cell and raises it (and gets Q04 wrong)",
    edits={"classic_networks_answers": [("q04 = 138", "q04 = 60")]},  # its feedback lists the errors
    append={cell: _env_dump(index) for index, cell in enumerate(ANSWER_CELLS)},
)
DISK_FILLER = Variant("disk_filler", "fills its folder until a write fails", append={ANSWER_CELLS[-1]: FILL})
VARIANTS = [ENV_PRINTER, DISK_FILLER]


def probe_dump(problems: list[str]) -> str:
    """The dump as the probe's reported errors (one per answer cell, in order) carry it."""
    pieces = {}
    for problem in problems:
        found = re.search(r"RuntimeError: env(\d+):(.*)", problem, re.DOTALL)
        if found:
            pieces.setdefault(int(found[1]), found[2][:ENV_CHUNK])
    return "".join(pieces[i] for i in sorted(pieces))


def parse_dump(dump: str) -> dict[str, str] | None:
    """name -> value from a dump, or None when its end is missing (it was cut: nothing to say)."""
    end = ENV_SEPARATOR + ENV_END
    if not dump.endswith(end):
        return None
    return dict(entry.partition("=")[::2] for entry in dump[: -len(end)].split(ENV_SEPARATOR))
