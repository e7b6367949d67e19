"""`grader`: the course's command line for instructors and TAs."""

import argparse
import sys

from grader import data


def _prepare_data(args) -> int:
    from grader import demo

    demo.prepare_all()
    return 0


def _check_notebooks(args) -> int:
    from grader import notebook_hygiene

    problems = notebook_hygiene.problems()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def _demo(args) -> int:
    from grader import demo

    return demo.main(args.assignments or None)


def _report(args) -> int:
    from pathlib import Path

    from grader import course, report

    root = Path(args.course) if args.course else course.COURSE
    print(report.build_report(root, args.assignments or course.assignments(root)))
    return 0


def _export(args) -> int:
    from pathlib import Path

    from grader import course, report

    root = Path(args.course) if args.course else course.COURSE
    print(report.export_csv(root, Path(args.csv)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "prepare-data", help="verify and split the datasets, fill the weights cache"
    ).set_defaults(run=_prepare_data)
    commands.add_parser("check-notebooks", help="source notebooks carry no outputs").set_defaults(
        run=_check_notebooks
    )
    demo = commands.add_parser("demo", help="release, grade a demo class and print the grades")
    demo.add_argument("assignments", nargs="*", help="default: every assignment")
    demo.set_defaults(run=_demo)
    report = commands.add_parser("report", help="class report: reports/index.html in the course folder")
    report.add_argument("assignments", nargs="*", help="default: every assignment")
    report.add_argument("--course", help="nbgrader course folder (default: assignments/)")
    report.set_defaults(run=_report)
    export = commands.add_parser("export", help="every grade as CSV: student x assignment, parts, status")
    export.add_argument("--csv", required=True, help="where to write the CSV")
    export.add_argument("--course", help="nbgrader course folder (default: assignments/)")
    export.set_defaults(run=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
