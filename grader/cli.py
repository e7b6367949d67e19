"""`grader`: the course's lifecycle for instructors and TAs, on nbgrader's own folders and gradebook.

grader prepare-data                      verify and split the datasets, fill the weights cache
grader release resnets                   build the student version (nbgrader generate_assignment)
grader collect resnets --from dl.zip     submissions from a folder tree or an LMS zip download
grader autograde resnets quiz            sandboxed autograde of every submission, on Dask
grader worker tcp://HOST:8786            a Dask worker for the course's grading (a machine of the cluster)
grader feedback resnets --release        feedback HTML, released through nbgrader's exchange
grader export --csv grades.csv           every grade, with each submission's outcome
grader report                            HTML class report: scores, checks, failures, timing
grader demo                              all of the above on a simulated class
grader hub up --roster people.csv        the course on JupyterHub (root: creates the Unix accounts)
grader hub down                          stop that JupyterHub
"""

import argparse
import sys
from pathlib import Path

from grader import course, data, sandbox


def _root(args) -> Path:
    return Path(args.course).resolve() if args.course else course.COURSE


def _prepare_data(args) -> int:
    from grader import demo

    if args.course:  # the data folders are the course's settings, not a course folder's content
        print("error: prepare-data takes no --course; set CASE_STUDIES_DATA and CASE_STUDIES_GRADER_DATA")
        return 2
    demo.prepare_all()
    return 0


def _check_notebooks(args) -> int:
    from grader import notebook_hygiene

    problems = notebook_hygiene.problems(_root(args) / "source" if args.course else None)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def _release(args) -> int:
    root = _root(args)
    course.nbgrader(root, "generate_assignment", args.assignment, "--force")
    print(f"released: {root / 'release' / args.assignment}")
    return 0


def _collect(args) -> int:
    from grader import collect

    result = collect.collect(_root(args), args.assignment, Path(args.source))
    print(f"collected {len(result.collected)} submissions of {args.assignment}")
    for line in result.skipped:
        print(f"skipped {line}")
    return 0 if result.collected else 1


def _autograde(args) -> int:
    from grader import autograde, sandbox

    print(f"grader autograde: {sandbox.limits_in_force()}", file=sys.stderr)
    root = _root(args)
    jobs = []
    for assignment in args.assignments:
        for student in args.students or autograde.submitted_students(root, assignment):
            if (root / "submitted" / student / assignment).is_dir():
                jobs.append((assignment, student))
            else:
                print(f"warning: {student} has no submission of {assignment}; skipped", file=sys.stderr)
    if not jobs:
        print("error: no submissions to grade in submitted/", file=sys.stderr)
        return 2
    try:
        results = autograde.autograde_many(
            root,
            jobs,
            args.workers,
            args.timeout,
            progress=True,
            scheduler=args.scheduler,
            force=args.force or bool(args.students),  # students named: graded again
        )
    except KeyboardInterrupt:
        print("\ninterrupted: what was graded is kept; run the same command for the rest", file=sys.stderr)
        return 130
    for assignment, outcomes in results.items():
        for outcome in outcomes:
            note = f"  ({outcome.reason})" if outcome.reason else ""
            score = f"{outcome.score:g}/{outcome.max_score:g}"
            print(f"{assignment:<18} {outcome.student:<24} {outcome.status:<10} {score}{note}")
    faults = [o for outcomes in results.values() for o in outcomes if o.status == autograde.GRADER_ERROR]
    if faults:
        print(f"error: {len(faults)} submission(s) could not be judged (grader error): no grade recorded")
        return 3
    return 0


def _worker(args) -> int:
    """This machine as a worker: the project installed, its data prepared, the sandbox checked."""
    import os

    from grader import cluster, settings

    if not settings.grader_data_dir().is_dir():
        print("error: no prepared data on this worker: run `grader prepare-data` first", file=sys.stderr)
        return 2
    print(f"grader worker: {sandbox.limits_in_force()}", file=sys.stderr)
    env = {
        **os.environ,
        cluster.LOCAL_WORKERS_ENV: str(args.nworkers),
        "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        "DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON": repr(cluster.NO_NANNY_ENVIRONMENT),
    }
    command = [sys.executable, "-m", "distributed.cli.dask_worker", args.scheduler, "--nthreads", "1"]
    command += ["--nworkers", str(args.nworkers), "--memory-limit", "0", "--no-dashboard"]
    if args.local_directory:  # Dask's files and the scratch courses both
        command += ["--local-directory", args.local_directory]
        env["CASE_STUDIES_WORKER_DIR"] = args.local_directory
    os.execvpe(command[0], command, env)


def _feedback(args) -> int:
    from grader.preprocessors import clean_folder

    root = _root(args)
    # generate_feedback copies every file of the autograded folder with links followed
    for folder in sorted((root / "autograded").glob(f"*/{args.assignment}")):
        for line in clean_folder.remove_unsafe(folder):
            print(f"warning: removed from {folder}: {line}", file=sys.stderr)
    course.nbgrader(root, "generate_feedback", args.assignment, "--force")
    print(f"feedback: {root / 'feedback'}")
    if args.release:
        course.nbgrader(root, "release_feedback", args.assignment)
        print("released through nbgrader's exchange")
    return 0


def _report(args) -> int:
    from grader import report

    root = _root(args)
    print(report.build_report(root, args.assignments or course.assignments(root)))
    return 0


def _export(args) -> int:
    from grader import report

    print(report.export_csv(_root(args), Path(args.csv)))
    return 0


def _demo(args) -> int:
    from grader import demo

    root = _root(args)
    if not (root / "nbgrader_config.py").is_file():  # a scratch folder: the course is copied there
        course.private_copy(root, [])
    return demo.main(args.assignments or None, root)


def _hub(args) -> int:
    from grader.hub import roster, service

    try:
        if args.action == "up":
            service.up(Path(args.roster) if args.roster else service.DEMO_ROSTER, port=args.port)
        else:
            service.down()
    except roster.RosterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, run, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--course", help="nbgrader course folder (default: the repository's assignments/)")
        sub.set_defaults(run=run)
        return sub

    command("prepare-data", _prepare_data, "verify and split the datasets, fill the weights cache")
    command("check-notebooks", _check_notebooks, "source notebooks carry no outputs")
    command("release", _release, "build the student version of an assignment").add_argument("assignment")
    collect = command("collect", _collect, "copy submissions into submitted/ from a folder or LMS zip")
    collect.add_argument("assignment")
    collect.add_argument("--from", dest="source", required=True, help="folder or zip: <student>/<file>.ipynb")
    grade = command("autograde", _autograde, "grade submissions on Dask, each in its own sandbox")
    grade.add_argument("assignments", nargs="+", help="one or more; all are graded in one run")
    grade.add_argument(
        "--student",
        dest="students",
        action="append",
        help="grade this student (repeatable), again if graded before",
    )
    grade.add_argument(
        "--workers", type=int, help="embedded cluster's worker processes (default: one per core)"
    )
    grade.add_argument(
        "--scheduler",
        help="an existing Dask scheduler, tcp://HOST:8786 (default: $CASE_STUDIES_SCHEDULER, else embedded)",
    )
    grade.add_argument(
        "--force",
        action="store_true",
        help="grade again what an earlier run graded (same hand-in, same course); --student implies it",
    )
    grade.add_argument("--timeout", type=float, default=3600, help="seconds per submission (default 3600)")
    worker = command("worker", _worker, "serve the course's grading as a Dask worker of a scheduler")
    worker.add_argument("scheduler", help="tcp://HOST:8786")
    worker.add_argument(
        "--nworkers", type=int, default=1, help="grading processes on this machine (default 1)"
    )
    worker.add_argument(
        "--local-directory",
        help="scratch folder (default $CASE_STUDIES_WORKER_DIR, ~/.cache/case_studies/workers)",
    )
    feedback = command("feedback", _feedback, "generate feedback HTML (and release it with --release)")
    feedback.add_argument("assignment")
    feedback.add_argument("--release", action="store_true", help="also run nbgrader release_feedback")
    command("report", _report, "class report: reports/index.html in the course folder").add_argument(
        "assignments", nargs="*", help="default: every assignment"
    )
    command("export", _export, "every grade as CSV: student x assignment, parts, outcome").add_argument(
        "--csv", required=True, help="where to write the CSV"
    )
    command("demo", _demo, "release, grade a simulated class, feedback and report").add_argument(
        "assignments", nargs="*", help="default: every assignment"
    )
    hub = commands.add_parser("hub", help="the course on JupyterHub", description="the course on JupyterHub")
    hub.add_argument("action", choices=["up", "down"])
    hub.add_argument("--roster", help="CSV username,role,full_name (default: data/hub/demo_roster.csv)")
    hub.add_argument("--port", type=int, default=8000)
    hub.set_defaults(run=_hub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (data.DataError, course.CourseError, sandbox.SandboxError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
