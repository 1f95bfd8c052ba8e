"""Command line: python -m autograder COMMAND, for the course's instructors and CI.

Commands: build, validate, grade, demo, course-directory, grade-batch, report, feedback-zips, bundle,
gradescope, gradescope-run, bench, lab, formgrader.

Exit codes: 0 when the command did its job (a graded submission may score anything),
2 with one line on bad input, 1 only when the grader itself failed.
"""
import argparse
import os
import sys
import traceback
import warnings
from pathlib import Path

from .course import ROOT, BadInput, available_assignments, check_assignment


def cmd_build(args):
    from .build import build
    for path in build():
        print(f"released {path.relative_to(ROOT)}")
    return 0


def cmd_validate(args):
    from .validate import validate
    table, ok = validate()
    print(table)
    print("validate: OK, sources earn full marks and releases earn nothing" if ok else "validate: FAILED")
    return 0 if ok else 1


LIMIT_FLAGS = {  # flag -> (GradingSettings name, type)
    "--cell-timeout": ("cell_timeout", float), "--notebook-timeout": ("notebook_timeout", float),
    "--call-timeout": ("call_timeout", float), "--memory": ("memory", "size"),
    "--address-space": ("address_space", "size"), "--processes": ("processes", int),
    "--max-output": ("max_output", "size"), "--max-cell-output": ("max_cell_output", "size"),
    "--disk": ("disk", "size"), "--file-size": ("file_size", "size"),
    "--max-output-chars": ("max_output_chars", int), "--max-cell-output-chars": ("max_cell_output_chars", int),
    "--feedback-timeout": ("feedback_timeout", float),
}


def limit_overrides(args):
    """{GradingSettings name: value} for the limit flags given on the command line."""
    from .settings import parse_size
    overrides = {}
    for name, kind in LIMIT_FLAGS.values():
        value = getattr(args, name)
        if value is not None:
            try:
                overrides[name] = parse_size(value) if kind == "size" else kind(value)
            except ValueError as error:
                raise BadInput(f"--{name.replace('_', '-')}: {error}") from None
            if not overrides[name] > 0:  # also rejects nan
                raise BadInput(f"--{name.replace('_', '-')}: must be a positive number, got {value}")
    return overrides


def cmd_grade(args):
    from .grade import grade_notebook
    result = grade_notebook(args.notebook, args.assignment, args.results, args.feedback, limit_overrides(args))
    passed = sum(t["status"] == "passed" for t in result["tests"])
    print(f"{args.assignment}: {result['score']:g}/{result['extra_data']['max_score']:g} autograded points, "
          f"{passed}/{len(result['tests'])} tests passed; results in {args.results}")
    return 0


def cmd_bundle(args):
    from .bundle import bundle
    out = Path(args.out_dir)
    try:
        files = bundle(out)
    except FileExistsError as error:
        raise BadInput(str(error)) from None
    print(f"wrote {len(files)} files for learners to {out}/")
    return 0


def cmd_course_directory(args):
    from .course_directory import make_course_directory
    names = args.assignment or available_assignments()
    for name in names:
        check_assignment(name)
    make_course_directory(args.out, names, args.db_url)
    print(f"{args.out}/ is the class's course directory for {', '.join(names)}: run nbgrader's commands there "
          "(db student import, release_assignment, collect, zip_collect, release_feedback, export)")
    return 0


def cmd_feedback_zips(args):
    from .course_directory import is_course_directory
    from .handback import feedback_zips
    check_assignment(args.assignment)
    out = Path(args.out)
    if not is_course_directory(out):
        raise BadInput(f"{out} is not a class's course directory: run `python -m autograder grade-batch` first")
    zips = feedback_zips(out, args.assignment)
    if not zips:
        raise BadInput(f"no feedback pages of {args.assignment} in {out / 'feedback'}: run grade-batch first")
    print(f"wrote {len(zips)} zip(s) to {zips[0].parent}/, one per learner, <student>.zip: "
          "attach each to that learner's submission in the LMS")
    return 0


def cmd_grade_batch(args):
    from .batch import grade_batch, summary_table
    if args.jobs is not None and args.jobs < 1:
        raise BadInput("--jobs must be at least 1")
    duedates = {}
    for item in args.due or []:
        name, _, when = item.partition("=")
        if not when:
            raise BadInput(f"--due takes ASSIGNMENT=DATE, got {item!r}")
        duedates[name] = when
    rows = grade_batch(args.submitted, args.out, assignments=[args.assignment] if args.assignment else None,
                       students=args.student, regrade=args.regrade, jobs=args.jobs, db_url=args.db_url,
                       scheduler=args.scheduler, limits=limit_overrides(args), duedates=duedates,
                       only_roster=True if args.roster_only else None)
    print(summary_table(rows))
    print(f"\ngrades.csv, feedback/, autograded/ and results/ are in {args.out}/, an nbgrader course directory "
          "(nbgrader's commands and `python -m autograder formgrader` work there)")
    faults = [row for row in rows if row.status == "fault"]
    if faults:
        print(f"{len(faults)} submission(s) could not be graded because of a grader fault; run again to retry:")
        for row in faults:
            print(f"  {row.student}/{row.assignment}: {row.note}")
    return 1 if faults else 0


def cmd_gradescope(args):
    from .gradescope import build_archive
    members = build_archive(args.out_zip, args.assignment)
    print(f"wrote {args.out_zip}: setup.sh, run_autograder and {len(members) - 2} course files for {args.assignment}")
    return 0


def cmd_gradescope_run(args):
    from .gradescope import run
    return run(args.root, args.assignment)


def cmd_report(args):
    from .class_report import write_report
    from .course import course_config
    out = Path(args.out)
    db_url = args.db_url or f"sqlite:///{out.resolve() / 'gradebook.db'}"
    if not args.db_url and not (out / "gradebook.db").exists():
        raise BadInput(f"no gradebook in {out}: run grade-batch first, or give --db-url")
    html = Path(args.html or out / "report.html")
    count = write_report(db_url, course_config().CourseDirectory.course_id, html)
    print(f"wrote {html}: {count} graded submissions")
    return 0


def cmd_bench(args):
    from .bench import bench
    if args.n < 1:
        raise BadInput("--n must be at least 1")
    for name in args.assignment or []:
        check_assignment(name)
    bench(args.n, args.assignment, args.json)
    return 0


def cmd_lab(args):
    from .jupyter import prepare_lab, serve
    workspace = prepare_lab(args.dir)
    return serve(workspace.resolve(), args.port, "/lab", "JupyterLab", "JupyterLab on the learner's notebooks",
                 learner=True)


def cmd_formgrader(args):
    from .jupyter import prepare_formgrader, serve
    out = prepare_formgrader(args.out)
    return serve(out, args.port, "/formgrader", "formgrader", "formgrader on the class gradebook", learner=False)


def cmd_demo(args):
    from .demo import demo
    print(demo(Path(args.out)))
    print(f"\nresults.json and feedback.html for each submission are in {args.out}/")
    return 0


def add_limit_flags(command):
    limits = command.add_argument_group("limits", "override nbgrader_config.py's GradingSettings for this run "
                                                  "(sizes take K, M or G suffixes)")
    for flag, (name, _) in LIMIT_FLAGS.items():
        limits.add_argument(flag, dest=name, metavar="N")


def parser():
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="regenerate release/ and the gradebook").set_defaults(run=cmd_build)
    sub.add_parser("validate", help="source earns full marks, release earns nothing").set_defaults(run=cmd_validate)
    g = sub.add_parser("grade", help="grade one submitted notebook")
    g.add_argument("notebook")
    g.add_argument("--assignment", required=True)
    g.add_argument("--results", required=True, help="where to write results.json (Gradescope format)")
    g.add_argument("--feedback", help="where to write the feedback HTML")
    add_limit_flags(g)
    g.set_defaults(run=cmd_grade)
    b = sub.add_parser("bundle", help="gather what a learner receives into a new directory")
    b.add_argument("out_dir")
    b.set_defaults(run=cmd_bundle)
    k = sub.add_parser("course-directory", help="make the class's course directory (grading/) before any grading, "
                                                "for nbgrader's roster, release and collect commands")
    k.add_argument("--out", default=str(ROOT / "grading"), help="the course directory (default: grading/)")
    k.add_argument("--assignment", action="append", help="only these assignments (repeatable; default: all)")
    k.add_argument("--db-url", help="class gradebook URL (default: sqlite:///OUT/gradebook.db), as grade-batch's")
    k.set_defaults(run=cmd_course_directory)
    b = sub.add_parser("grade-batch", help="grade a class's submissions in parallel into a gradebook")
    b.add_argument("submitted", help="nbgrader's submitted/ folder: <student>/<assignment>/<assignment>.ipynb")
    b.add_argument("--assignment", help="grade only this assignment (default: all)")
    b.add_argument("--student", action="append", metavar="STUDENT",
                   help="grade only this student's submissions (repeatable; default: everyone's)")
    b.add_argument("--regrade", action="store_true",
                   help="grade again even the submissions the ledger has as unchanged since they were graded")
    b.add_argument("--jobs", type=int, help="parallel local workers (default: the number of cores)")
    b.add_argument("--out", default=str(ROOT / "grading"), help="where gradebook, feedback and grades.csv go")
    b.add_argument("--db-url", help="class gradebook URL (default: sqlite:///OUT/gradebook.db), "
                                    "e.g. postgresql+psycopg2://user@host/db")
    b.add_argument("--scheduler", help="grade on a Dask cluster, e.g. tcp://host:8786")
    b.add_argument("--due", action="append", metavar="ASSIGNMENT=DATE",
                   help="set the due date of an assignment this run grades, e.g. softmax='2026-11-20 23:59 UTC' "
                        "(late work loses 10%% of its total score per started day)")
    b.add_argument("--roster-only", action="store_true",
                   help="report, not grade, folders of students missing from the gradebook's roster")
    add_limit_flags(b)
    b.set_defaults(run=cmd_grade_batch)

    h = sub.add_parser("feedback-zips", help="one zip of feedback pages per learner, to hand back through an LMS")
    h.add_argument("assignment")
    h.add_argument("--out", default=str(ROOT / "grading"), help="the course directory grade-batch wrote")
    h.set_defaults(run=cmd_feedback_zips)

    z = sub.add_parser("gradescope", help="build a Gradescope autograder zip for one assignment")
    z.add_argument("out_zip")
    z.add_argument("--assignment", required=True)
    z.set_defaults(run=cmd_gradescope)
    z = sub.add_parser("gradescope-run", help="(inside Gradescope) grade /autograder/submission into results.json")
    z.add_argument("--assignment", required=True)
    z.add_argument("--root", default="/autograder")
    z.set_defaults(run=cmd_gradescope_run)

    r = sub.add_parser("report", help="an HTML page of the class's scores, pass rates and frequent mistakes")
    r.add_argument("--out", default=str(ROOT / "grading"), help="grade-batch's output folder")
    r.add_argument("--db-url", help="the class gradebook (default: sqlite:///OUT/gradebook.db)")
    r.add_argument("--html", help="where to write the page (default: OUT/report.html)")
    r.set_defaults(run=cmd_report)

    m = sub.add_parser("bench", help="time stock nbgrader, grade-batch --jobs 1 and 2, and bare nbclient")
    m.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    m.add_argument("--assignment", action="append", help="only these assignments (repeatable)")
    m.add_argument("--json", help="also write the figures to this JSON file")
    m.set_defaults(run=cmd_bench)

    j = sub.add_parser("lab", help="JupyterLab on a learner workspace (the release bundle), localhost only")
    j.add_argument("--dir", default=str(ROOT / "lab"), help="the workspace; created from release/ if missing")
    j.add_argument("--port", type=int, default=8888)
    j.set_defaults(run=cmd_lab)
    j = sub.add_parser("formgrader", help="nbgrader's formgrader on a grade-batch output folder, localhost only")
    j.add_argument("--out", default=str(ROOT / "grading"), help="grade-batch's output folder")
    j.add_argument("--port", type=int, default=8889)
    j.set_defaults(run=cmd_formgrader)

    d = sub.add_parser("demo", help="build, then grade the bundled example submissions")
    d.add_argument("--out", default=str(ROOT / "demo-output"))
    d.set_defaults(run=cmd_demo)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    warnings.filterwarnings("ignore")  # nbgrader's SQLAlchemy warnings say nothing to the user
    try:
        return args.run(args)
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - any other failure is the grader's own
        if os.environ.get("AUTOGRADER_DEBUG"):
            traceback.print_exc()
        print(f"grader fault: {type(error).__name__}: {error} (set AUTOGRADER_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1
