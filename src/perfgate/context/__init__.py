"""The context of a run: the git checkout, the CI job and the machine it ran on.

An edge module: it runs ``git`` as a subprocess and reads files under ``/proc`` and ``/sys``;
environment variables are read through an ``environ`` mapping argument (default :data:`os.environ`) so
callers and tests can pass their own.
"""

import typing

if typing.TYPE_CHECKING:
    from perfgate.context.ci import ci_branch, ci_info
    from perfgate.context.git import (
        GIT_TIMEOUT,
        commit_path,
        commit_subject,
        commit_times,
        git_info,
        is_ancestor,
        merge_base,
        repo_root,
        resolve_ref,
    )
    from perfgate.context.machine import (
        default_testbed,
        environment,
        fingerprint,
        parse_cpuinfo,
        parse_meminfo,
    )
    from perfgate.context.project import project_root
    from perfgate.context.secrets import Redactor, redact_run, redact_series, redactor, strip_credentials
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "ci": ("ci_branch", "ci_info"),
            "git": (
                "GIT_TIMEOUT",
                "commit_path",
                "commit_subject",
                "commit_times",
                "git_info",
                "is_ancestor",
                "merge_base",
                "repo_root",
                "resolve_ref",
            ),
            "machine": ("default_testbed", "environment", "fingerprint", "parse_cpuinfo", "parse_meminfo"),
            "project": ("project_root",),
            "secrets": ("Redactor", "redact_run", "redact_series", "redactor", "strip_credentials"),
        },
    )

__all__ = [
    "GIT_TIMEOUT",
    "Redactor",
    "ci_branch",
    "ci_info",
    "commit_path",
    "commit_subject",
    "commit_times",
    "default_testbed",
    "environment",
    "fingerprint",
    "git_info",
    "is_ancestor",
    "merge_base",
    "parse_cpuinfo",
    "parse_meminfo",
    "project_root",
    "redact_run",
    "redact_series",
    "redactor",
    "repo_root",
    "resolve_ref",
    "strip_credentials",
]
