"""``perfgate init``: detect the project's benchmarks and CI; write its configuration and workflows."""

from __future__ import annotations

import argparse
import sys

from perfgate.argtypes import positive_int
from perfgate.cli.common import EXIT_OK, Invocation
from perfgate.escape import visible
from perfgate.scaffold import Detected, detect, plan, write
from perfgate.scaffold.files import Options
from perfgate.scaffold.install import default_install


def configure(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Detect pytest-benchmark / pytest-codspeed benchmarks, Go (go.mod with func Benchmark...) and "
        "Cargo (bench targets, Criterion or libtest) in the current directory, and write a commented "
        "[tool.perfgate] (appended to pyproject.toml, else perfgate.toml) and CI workflows: GitHub "
        "Actions (.github/workflows/perfgate.yml and perfgate-comment.yml) unless the project is on "
        "GitLab, GitLab CI (.gitlab-ci.yml) when it is. Existing files are never overwritten without --force."
    )
    p.add_argument("--github", action="store_true", help="write the GitHub Actions workflows")
    p.add_argument("--gitlab", action="store_true", help="write the GitLab CI pipeline")
    p.add_argument(
        "--shards",
        type=positive_int,
        default=0,
        metavar="N",
        help="run the nightly tier as a matrix of N shards and a merge job (default: one job)",
    )
    p.add_argument(
        "--install",
        metavar="SPEC",
        help="what the CI jobs pip-install to get perfgate (default: this perfgate: its git URL and "
        "commit, or perfgate==VERSION)",
    )
    p.add_argument("--force", action="store_true", help="overwrite files perfgate init would write")
    p.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")


def run(inv: Invocation) -> int:
    args = inv.args
    forges_given = args.github or args.gitlab
    install, install_note = (args.install, None) if args.install is not None else default_install()
    opts = Options(
        github=bool(args.github) if forges_given else None,
        gitlab=bool(args.gitlab) if forges_given else None,
        shards=args.shards,
        install=install,
        force=args.force,
    )
    found = detect(inv.cwd)
    files, notes = plan(found, opts)
    for line in _found(found):
        sys.stderr.write(f"perfgate init: {visible(line)}\n")
    if args.dry_run:
        for f in files:
            inv.stdout.write(f"# --- {visible(f.path)} ({f.action}) ---\n{f.shown}")
    else:
        write(files, found.root)
        for f in files:
            sys.stderr.write(f"perfgate init: {visible(f.summary)}\n")
    for note in [*notes, *([install_note] if install_note else [])]:
        sys.stderr.write(f"perfgate init: {visible(note)}\n")
    return EXIT_OK


def _found(d: Detected) -> list[str]:
    lines = []
    if d.pytest_benchmark:
        n = len(d.pytest_benchmark)
        lines.append(f"found the benchmark fixture in {n} file(s): {_few(d.pytest_benchmark)}")
    if d.codspeed:
        lines.append(f"found @pytest.mark.benchmark in {len(d.codspeed)} file(s): {_few(d.codspeed)}")
    lines += [f"found suite {s.name!r} ({s.format}): {s.found}" for s in d.suites]
    return lines


def _few(names: tuple[str, ...]) -> str:
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
