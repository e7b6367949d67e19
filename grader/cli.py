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
