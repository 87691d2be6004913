"""The git context of a run, read by running ``git`` as a subprocess.

Every call has a timeout, runs with ``LC_ALL=C`` (so messages can be recognised), never prompts, and
takes no optional locks (reading the context must not fight a concurrent ``git`` for ``index.lock``).
Variables that redirect git to another repository (``GIT_DIR``, ``GIT_INDEX_FILE``...; set for example
inside git hooks) are dropped, so the repository is always the one containing the given path.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from perfgate.context.ci import ci_branch
from perfgate.errors import ContextError
from perfgate.model import GitInfo

__all__ = [
    "GIT_TIMEOUT",
    "commit_path",
    "commit_subject",
    "commit_times",
    "git_info",
    "is_ancestor",
    "merge_base",
    "repo_root",
    "resolve_ref",
]

#: Seconds any single git command may take before perfgate gives up on it.
GIT_TIMEOUT = 30.0

# What `git rev-parse --local-env-vars` lists: variables that point git at a particular repository.
_REPO_VARS = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIR",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)
# perfgate's own data directory never makes a checkout dirty, wherever the project sits in the repo.
_EXCLUDE_PERFGATE = ":(top,exclude,glob)**/.perfgate/**"


class _GitNotFound(ContextError):
    """The git executable is not installed (or not on PATH)."""


def _run(
    cwd: Path,
    args: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float | None = None,
    executable: str = "git",
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd``; the exit status is the caller's to judge."""
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARS}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    cmd = [executable, "-c", "log.showSignature=false", "-c", "core.quotePath=false", *args]
    try:
        return subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT if timeout is None else timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise _GitNotFound(f"cannot run git in {cwd}: {executable!r} is not installed or on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise ContextError(f"git {args[0]} in {cwd} did not finish within {exc.timeout:g} s") from exc
    except OSError as exc:
        raise ContextError(f"cannot run git in {cwd}: {exc}") from exc


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _first_line(data: bytes) -> str:
    lines = _text(data).strip().splitlines()
    return lines[0] if lines else "(no message)"


def _existing_dir(path: Path) -> Path | None:
    """``path`` if it is a directory, its parent if it is a file, else None."""
    path = path.expanduser()
    if path.is_dir():
        return path
    if path.exists() and path.parent.is_dir():
        return path.parent
    return None


def _probe(path: Path) -> tuple[Path, bool] | None:
    """(work tree root, shallow?) for ``path``, or None when it is not inside a git work tree."""
    start = _existing_dir(path)
    if start is None:
        return None
    cp = _run(start, ["rev-parse", "--show-toplevel", "--is-shallow-repository"])
    if cp.returncode != 0:
        message = _text(cp.stderr)
        if "dubious ownership" in message:
            # git refuses repositories owned by someone else (common in CI containers); say how to fix.
            raise ContextError(
                f"git refuses {start}: the repository is owned by another user; "
                f"run `git config --global --add safe.directory <repo>` to trust it"
            )
        return None
    lines = _text(cp.stdout).splitlines()
    if len(lines) < 2 or not lines[0]:
        return None
    return Path(lines[0]), lines[1].strip() == "true"


def _require(path: Path) -> Path:
    """The work tree root containing ``path``; ContextError when there is none."""
    probed = _probe(path)
    if probed is None:
        raise ContextError(f"{path} is not inside a git work tree")
    return probed[0]


def repo_root(path: Path) -> Path | None:
    """The top directory of the git work tree containing ``path``; None outside one or without git."""
    try:
        probed = _probe(path)
    except _GitNotFound:
        return None
    return probed[0] if probed is not None else None


def git_info(path: Path, environ: Mapping[str, str] | None = None) -> GitInfo | None:
    """The commit checked out at ``path`` and its state.

    None when ``path`` is not inside a git work tree, the repository has no commit yet, or git is not
    installed. ``branch`` is the checked-out branch; on a detached HEAD it is the branch the CI says it
    is building (see :func:`perfgate.context.ci_branch`, read from ``environ``, default
    :data:`os.environ`), else None. ``dirty`` counts changes to tracked files only (staged or not),
    ignoring untracked files and anything under a ``.perfgate/`` directory. ``commit_time`` is the
    committer time in UTC. In a shallow clone ``parents`` holds what git knows, which is nothing for a
    commit at the shallow boundary.
    """
    try:
        probed = _probe(path)
    except _GitNotFound:
        return None
    if probed is None:
        return None
    top, shallow = probed

    cp = _run(top, ["log", "-1", "--encoding=UTF-8", "--format=%H%x00%P%x00%ct%x00%s", "HEAD", "--"])
    if cp.returncode != 0:
        return None  # an unborn branch: no commit to attribute results to
    fields = _text(cp.stdout).rstrip("\n").split("\x00")
    if len(fields) != 4 or not fields[0]:
        raise ContextError(f"unexpected output from git log in {top}: {_first_line(cp.stdout)!r}")
    commit, parents, ctime, subject = fields

    return GitInfo(
        commit=commit,
        branch=_branch(top, commit, os.environ if environ is None else environ),
        dirty=_dirty(top),
        parents=tuple(parents.split()),
        commit_time=datetime.fromtimestamp(int(ctime), UTC) if ctime.strip() else None,
        subject=subject or None,
        shallow=shallow,
    )


def _branch(top: Path, commit: str, environ: Mapping[str, str]) -> str | None:
    cp = _run(top, ["symbolic-ref", "--quiet", "HEAD"])
    if cp.returncode == 0:
        ref = _text(cp.stdout).strip()
        return ref.removeprefix("refs/heads/") or None
    if cp.returncode == 1:  # detached HEAD
        return ci_branch(environ, commit)
    raise ContextError(f"git symbolic-ref HEAD failed in {top}: {_first_line(cp.stderr)}")


def _dirty(top: Path) -> bool:
    cp = _run(
        top,
        [
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=no",
            "--ignore-submodules=untracked",
            "--",
            _EXCLUDE_PERFGATE,
        ],
    )
    if cp.returncode != 0:
        raise ContextError(f"git status failed in {top}: {_first_line(cp.stderr)}")
    return bool(cp.stdout.strip(b"\x00\n"))


def resolve_ref(path: Path, ref: str) -> str:
    """The full commit sha that ``ref`` (branch, tag, sha or abbreviation, ``HEAD~2``...) names.

    Raises :class:`~perfgate.errors.ContextError` naming the ref when it is unknown or ambiguous, and
    when ``path`` is not inside a git work tree.
    """
    if not ref or ref.startswith("-") or any(c in ref for c in "\x00\n"):
        raise ContextError(f"invalid git ref {ref!r}")
    top = _require(path)
    cp = _run(top, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
    sha = _text(cp.stdout).strip()
    if cp.returncode != 0 or not sha:
        raise ContextError(f"unknown or ambiguous git ref {ref!r} in {top}")
    return sha


def merge_base(path: Path, a: str, b: str) -> str | None:
    """The best common ancestor of refs ``a`` and ``b``, or None when git cannot find one.

    None typically means a shallow clone without the shared history (fetch more, e.g.
    ``git fetch --deepen``) or unrelated histories. Unknown refs raise ContextError.
    """
    top = _require(path)
    sha_a, sha_b = resolve_ref(top, a), resolve_ref(top, b)
    cp = _run(top, ["merge-base", sha_a, sha_b])
    if cp.returncode == 1:
        return None
    if cp.returncode != 0:
        raise ContextError(f"git merge-base {a} {b} failed in {top}: {_first_line(cp.stderr)}")
    return _text(cp.stdout).strip() or None


def is_ancestor(path: Path, ancestor: str, descendant: str) -> bool:
    """Whether ``ancestor`` is reachable from ``descendant`` (a commit is its own ancestor).

    In a shallow clone a False can also mean that the connecting history was not fetched.
    """
    top = _require(path)
    sha_a, sha_d = resolve_ref(top, ancestor), resolve_ref(top, descendant)
    cp = _run(top, ["merge-base", "--is-ancestor", sha_a, sha_d])
    if cp.returncode in (0, 1):
        return cp.returncode == 0
    raise ContextError(
        f"git merge-base --is-ancestor {ancestor} {descendant} failed in {top}: {_first_line(cp.stderr)}"
    )


def commit_path(path: Path, good: str, bad: str) -> list[tuple[str, str]]:
    """The commits after ``good`` up to ``bad`` on bad's first-parent line, oldest first, each as
    (full sha, subject): what ``perfgate bisect`` searches.

    Only commits that descend from ``good`` count (``git rev-list --ancestry-path``), and of those
    only bad's first parents: a merged branch's own commits are stepped over, its merge is one step.
    Empty when ``good`` and ``bad`` are one commit; ContextError when ``good`` is not an ancestor of
    ``bad`` (or a ref is unknown).
    """
    top = _require(path)
    sha_g, sha_b = resolve_ref(top, good), resolve_ref(top, bad)
    if not is_ancestor(top, sha_g, sha_b):
        raise ContextError(f"good {good!r} ({sha_g[:8]}) is not an ancestor of bad {bad!r} ({sha_b[:8]})")
    first = _run(top, ["rev-list", "--first-parent", "--format=%s", f"{sha_g}..{sha_b}"])
    along = _run(top, ["rev-list", "--ancestry-path", f"{sha_g}..{sha_b}"])
    for cp in (first, along):
        if cp.returncode != 0:
            raise ContextError(f"git rev-list {good}..{bad} failed in {top}: {_first_line(cp.stderr)}")
    descendants = set(_text(along.stdout).split())
    lines = _text(first.stdout).splitlines()
    # --format prints "commit <sha>" then the subject line, for each commit
    pairs = [
        (lines[i].removeprefix("commit ").strip(), lines[i + 1] if i + 1 < len(lines) else "")
        for i in range(0, len(lines), 2)
    ]
    return [(sha, subject) for sha, subject in reversed(pairs) if sha in descendants]


def commit_subject(path: Path, ref: str) -> str:
    """The first line of the message of the commit ``ref`` names."""
    top = _require(path)
    sha = resolve_ref(top, ref)
    cp = _run(top, ["log", "-1", "--format=%s", sha])
    if cp.returncode != 0:
        raise ContextError(f"git log {ref} failed in {top}: {_first_line(cp.stderr)}")
    return _text(cp.stdout).strip()


def commit_times(path: Path, shas: Iterable[str]) -> dict[str, datetime]:
    """Committer times (UTC) of the given commits (shas, or any names git knows), keyed as given.

    Names git does not know (or that are ambiguous) are left out.

    One ``git cat-file --batch`` for all of them, so this stays cheap for a whole history.
    """
    wanted = list(dict.fromkeys(s for s in shas if s and s.strip() == s and "\n" not in s))
    if not wanted:
        return {}
    top = _require(path)
    # `name^{commit}` peels annotated tags, so a tag name gets its commit's time.
    cp = _run(top, ["cat-file", "--batch"], stdin="".join(f"{s}^{{commit}}\n" for s in wanted).encode())
    if cp.returncode != 0:
        raise ContextError(f"git cat-file failed in {top}: {_first_line(cp.stderr)}")
    out = cp.stdout
    times: dict[str, datetime] = {}
    pos = 0
    for name in wanted:  # one answer per input line, in order
        eol = out.find(b"\n", pos)
        if eol < 0:
            break
        header = out[pos:eol].split()
        pos = eol + 1
        if len(header) != 3:  # "<name> missing" / "<name> ambiguous"
            continue
        kind, size = header[1], int(header[2])
        body = out[pos : pos + size]
        pos += size + 1  # the object, then a newline
        if kind == b"commit" and (when := _committer_time(body)) is not None:
            times[name] = when
    return times


def _committer_time(body: bytes) -> datetime | None:
    for line in body.split(b"\n"):
        if not line:
            break  # end of the headers
        if line.startswith(b"committer "):
            parts = line.rsplit(b" ", 2)  # "... <email> 1700000000 +0100"
            if len(parts) == 3 and parts[1].isdigit():
                return datetime.fromtimestamp(int(parts[1]), UTC)
    return None
