"""``perfgate sync``: the run history kept on a git branch, so it outlives ephemeral CI runners.

The data branch (``perfgate-data`` by default) holds one file per run, ``runs/<yyyy>/<mm>/<run-id>.json``,
each the run document ``perfgate export`` writes. One file per run means two jobs never edit the same
file: when both push, the loser fetches the new tip, rebuilds its commit on top of it and pushes again.
(The files are plain JSON: git already compresses every object with zlib and deltas them in packs.)

A sync fetches the branch, stores every run the store lacks, then commits the store's runs the branch
lacks and pushes. The store is the source of truth: a sync adds runs to the store and to the branch and
never deletes one from the store. Pruning (``keep``, ``max_age_days``) removes files from the branch
only, and lists their ids in ``pruned.txt`` so that a long-lived store does not push them back.

Everything happens in a temporary bare repository that reaches the remote as the user's checkout does
(its remotes, credential helpers, ``http.*.extraheader`` of actions/checkout are copied in): the user's
work tree, index, refs and object store are never touched, and the fetch is shallow (one commit).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from perfgate.context import Redactor, redact_run, strip_credentials
from perfgate.errors import InputError, PerfgateError, SchemaError, UsageError
from perfgate.escape import json_inert
from perfgate.model import Run, dumps_run, loads_run
from perfgate.store import RunStore

__all__ = [
    "ATTEMPTS",
    "DEFAULT_BRANCH",
    "DEFAULT_REMOTE",
    "PRUNED_FILE",
    "Prune",
    "SyncError",
    "SyncReport",
    "run_path",
    "sync_store",
]

DEFAULT_BRANCH = "perfgate-data"
DEFAULT_REMOTE = "origin"
RUNS_DIR = "runs"
PRUNED_FILE = "pruned.txt"
#: pushes tried before giving up when other jobs keep moving the branch
ATTEMPTS = 5

_GIT_TIMEOUT = 300.0
_ZERO = "0" * 40
# the variables that would point git at another repository, index or work tree than ours
_REPO_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CONFIG",
)
_RUN_FILE = re.compile(r"^runs/\d{4}/\d{2}/([^/]+)\.json$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SyncError(PerfgateError):
    """The data branch could not be fetched, built or pushed (the message names the remote and branch)."""


@dataclass(frozen=True, slots=True)
class Prune:
    """Which run files to remove from the branch: beyond the newest ``keep``, older than ``max_age_days``."""

    keep: int | None = None
    max_age_days: float | None = None

    def __post_init__(self) -> None:
        if self.keep is not None and self.keep < 1:
            raise UsageError(f"--keep must be at least 1, got {self.keep}")
        if self.max_age_days is not None and not self.max_age_days > 0:
            raise UsageError(f"--max-age must be a number of days > 0, got {self.max_age_days}")

    @property
    def active(self) -> bool:
        return self.keep is not None or self.max_age_days is not None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did: run ids stored from the branch, added to it, removed from it; bad files skipped."""

    branch: str
    remote: str  # as given, credentials stripped
    pulled: tuple[str, ...] = ()
    pushed: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    attempts: int = 0  # pushes tried (0: nothing needed pushing)
    commit: str | None = None  # the branch's tip after the sync (None: no branch)
    created: bool = False  # the branch did not exist and this sync created it
    not_pushed: int = 0  # runs of other projects in the store, left alone


def run_path(run: Run) -> str:
    """Where ``run`` lives on the data branch: ``runs/<yyyy>/<mm>/<run-id>.json`` (UTC start)."""
    started = run.started.astimezone(UTC)
    return f"{RUNS_DIR}/{started:%Y}/{started:%m}/{run.id}.json"


def run_document(run: Run) -> bytes:
    """The file of ``run`` on the branch: the run document as ``perfgate export`` writes it."""
    return (json_inert(dumps_run(run)) + "\n").encode("utf-8")


# --- git ----------------------------------------------------------------------------------------


class _Git:
    """git in a temporary bare repository set up by :func:`_scratch_repository`."""

    def __init__(self, gitdir: Path, cwd: Path, environ: Mapping[str, str], remote: str) -> None:
        self.gitdir = gitdir
        self.cwd = cwd
        self.remote = remote
        env = {k: v for k, v in environ.items() if k not in _REPO_VARS}
        env.update(
            LC_ALL="C",
            GIT_TERMINAL_PROMPT="0",
            GIT_AUTHOR_NAME="perfgate",
            GIT_AUTHOR_EMAIL="perfgate@localhost",
            GIT_COMMITTER_NAME="perfgate",
            GIT_COMMITTER_EMAIL="perfgate@localhost",
        )
        self.env = env

    def run(
        self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        cmd = ["git", f"--git-dir={self.gitdir}", *args]
        try:
            return subprocess.run(
                cmd,
                cwd=self.cwd,  # a relative remote path means what it means in the project's checkout
                env={**self.env, **(env or {})},
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=_GIT_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise SyncError("perfgate sync: git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise SyncError(
                f"perfgate sync: git {args[0]} did not finish within {_GIT_TIMEOUT:g} s"
            ) from None

    def ok(self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
        cp = self.run(*args, stdin=stdin, env=env)
        if cp.returncode != 0:
            raise SyncError(f"perfgate sync: git {args[0]} failed: {_message(cp)}")
        return cp.stdout.decode("utf-8", errors="replace")


def _message(cp: subprocess.CompletedProcess[bytes]) -> str:
    """git's first complaint, credentials stripped, on one line."""
    text = (cp.stderr or cp.stdout).decode("utf-8", errors="replace").strip()
    lines = [ln.removeprefix("fatal: ").removeprefix("error: ") for ln in text.splitlines() if ln.strip()]
    return strip_credentials(lines[0] if lines else f"exit status {cp.returncode}")


# The checkout's settings that describe this repository rather than how to reach its remotes.
_NOT_CARRIED = ("core.", "extensions.", "gc.", "maintenance.", "index.", "submodule.", "branch.")
_NOT_CARRIED_KEYS = (".promisor", ".partialclonefilter")


def _user_settings(root: Path, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """The local configuration of the repository ``root`` is in, as git sees it there (conditional
    includes evaluated: actions/checkout keeps its credentials in a file included ``includeIf
    gitdir:``), without what describes that repository itself. Empty outside a repository."""
    env = {k: v for k, v in environ.items() if k not in _REPO_VARS}
    try:
        cp = subprocess.run(
            ["git", "config", "--local", "--includes", "--list", "-z"],
            cwd=root,
            env={**env, "LC_ALL": "C"},
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if cp.returncode != 0:
        return []
    out = []
    for record in cp.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        key, _, value = record.partition("\n")
        low = key.lower()
        if not key or low.startswith(_NOT_CARRIED) or low.endswith(_NOT_CARRIED_KEYS):
            continue
        if low.startswith(("include.", "includeif.")):
            continue  # already followed by --includes, in the checkout's own context
        out.append((key, value))
    return out


def _scratch_repository(gitdir: Path, root: Path, environ: Mapping[str, str]) -> None:
    """A bare repository at ``gitdir`` that reaches remotes as the checkout at ``root`` does: its
    remotes, credentials, ``http.*`` and ``url.*.insteadOf`` settings are copied in."""
    env = {k: v for k, v in environ.items() if k not in _REPO_VARS}
    cp = subprocess.run(
        ["git", "init", "-q", "--bare", str(gitdir)],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if cp.returncode != 0:
        raise SyncError(f"perfgate sync: cannot create a scratch repository: {_message(cp)}")
    config = str(gitdir / "config")
    for key, value in [*_user_settings(root, environ), ("gc.auto", "0")]:
        cp = subprocess.run(
            ["git", "config", "--file", config, "--add", key, value],
            env=env,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if cp.returncode != 0:
            raise SyncError(f"perfgate sync: cannot copy the setting {key} of the checkout: {_message(cp)}")


# --- the branch's content -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    run_id: str
    path: str
    oid: str


def _fetch(git: _Git, branch: str) -> str | None:
    """The branch's tip on the remote, fetched (one commit deep); None when the remote has no such branch."""
    ref = f"refs/heads/{branch}"
    cp = git.run("ls-remote", "--heads", git.remote, ref)
    if cp.returncode != 0:
        where = strip_credentials(git.remote)
        raise SyncError(f"perfgate sync: cannot read branch {branch} of remote {where!r}: {_message(cp)}")
    listed = cp.stdout.decode("utf-8", errors="replace")
    if not any(line.split("\t")[-1] == ref for line in listed.splitlines()):
        return None
    git.ok("fetch", "-q", "--depth=1", "--no-tags", git.remote, f"+{ref}:refs/perfgate-sync/tip")
    return git.ok("rev-parse", "--verify", "refs/perfgate-sync/tip^{commit}").strip()


def _tree(git: _Git, tip: str | None) -> tuple[dict[str, _Entry], set[str], list[str]]:
    """The branch's run files by run id, the ids listed as pruned, and warnings about odd files."""
    if tip is None:
        return {}, set(), []
    entries: dict[str, _Entry] = {}
    warnings = []
    pruned_oid = None
    for record in git.ok("ls-tree", "-r", "-z", tip).split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        oid = meta.split()[2]
        if path == PRUNED_FILE:
            pruned_oid = oid
            continue
        m = _RUN_FILE.match(path)
        if m is None:
            if path.startswith(f"{RUNS_DIR}/"):
                warnings.append(f"{path}: not a run file (runs/<yyyy>/<mm>/<run-id>.json): skipped")
            continue
        entries[m.group(1)] = _Entry(m.group(1), path, oid)
    pruned: set[str] = set()
    if pruned_oid is not None:
        text = git.ok("cat-file", "blob", pruned_oid)
        pruned = {line.strip() for line in text.splitlines() if line.strip()}
    return entries, pruned, warnings


def _read_blobs(git: _Git, oids: Sequence[str]) -> dict[str, bytes]:
    """The contents of ``oids``, read by one ``git cat-file --batch``."""
    if not oids:
        return {}
    cp = git.run("cat-file", "--batch", stdin="".join(f"{o}\n" for o in oids).encode())
    if cp.returncode != 0:
        raise SyncError(f"perfgate sync: git cat-file failed: {_message(cp)}")
    out, data, pos = {}, cp.stdout, 0
    for oid in oids:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        out[oid] = data[pos : pos + size]
        pos += size + 1
    return out


def _pull(
    git: _Git,
    store: RunStore,
    entries: Mapping[str, _Entry],
    have: set[str],
    redact: Redactor | None,
) -> tuple[list[str], list[str]]:
    """Store every run of ``entries`` the store lacks; bad files become warnings. (ids stored, warnings)"""
    wanted = [e for rid, e in sorted(entries.items()) if rid not in have]
    blobs = _read_blobs(git, [e.oid for e in wanted])
    pulled, warnings = [], []
    for e in wanted:
        source = f"{e.path} (on the data branch)"
        try:
            raw = blobs.get(e.oid)
            if raw is None:
                raise InputError(f"{source}: not in the fetched commit")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{source}: not UTF-8 text: {exc.reason}") from None
            run = loads_run(text, source)
            if run.id != e.run_id:
                raise InputError(f"{source}: holds run {run.id}, not the run its name says")
        except (InputError, SchemaError, ValueError) as exc:  # a newer perfgate's run: skipped too
            warnings.append(f"{exc}: skipped")
            continue
        if redact is not None:
            run = redact_run(run, redact)
        store.add_run(run)  # one transaction: a run is stored whole or not at all
        have.add(run.id)
        pulled.append(run.id)
    return pulled, warnings


def _ulid_time(run_id: str) -> datetime | None:
    """When a ULID run id was made (its first 10 characters), None for another kind of id."""
    head = run_id[:10].upper()
    if len(run_id) != 26 or any(c not in _CROCKFORD for c in head):
        return None
    ms = 0
    for c in head:
        ms = ms * 32 + _CROCKFORD.index(c)
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _path_time(path: str) -> datetime:
    """The start of the month a run file's path names (for ids that are not ULIDs)."""
    parts = path.split("/")
    try:
        return datetime(int(parts[1]), int(parts[2]), 1, tzinfo=UTC)
    except (IndexError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def _to_prune(files: Mapping[str, str], prune: Prune, now: datetime) -> set[str]:
    """The run ids (of ``files``: id -> path) that ``prune`` removes from the branch."""
    if not prune.active:
        return set()
    when = {rid: _ulid_time(rid) or _path_time(path) for rid, path in files.items()}
    order = sorted(files, key=lambda rid: (when[rid], rid), reverse=True)  # newest first
    out: set[str] = set()
    if prune.keep is not None:
        out.update(order[prune.keep :])
    if prune.max_age_days is not None:
        cutoff = now - timedelta(days=prune.max_age_days)
        out.update(rid for rid in order if when[rid] < cutoff)
    return out


def _commit(
    git: _Git,
    scratch: Path,
    tip: str | None,
    add: Mapping[str, tuple[str, str]],
    remove: Mapping[str, str],
    pruned: Iterable[str] | None,
    message: str,
) -> str:
    """A commit on top of ``tip`` (none: an orphan) adding ``add`` (id -> (path, blob)), removing
    ``remove`` (id -> path) and, unless None, listing ``pruned`` in :data:`PRUNED_FILE`; built in a
    temporary index."""
    index = {"GIT_INDEX_FILE": str(scratch / f"index-{os.getpid()}")}
    Path(index["GIT_INDEX_FILE"]).unlink(missing_ok=True)
    if tip is None:
        git.ok("read-tree", "--empty", env=index)
    else:
        git.ok("read-tree", tip, env=index)
    lines = [f"100644 {oid}\t{path}" for path, oid in sorted(add.values())]
    lines += [f"0 {_ZERO}\t{path}" for path in sorted(remove.values())]
    if pruned is not None:
        listing = "".join(f"{rid}\n" for rid in sorted(set(pruned)))
        blob = git.ok("hash-object", "-w", "--stdin", stdin=listing.encode()).strip()
        lines.append(f"100644 {blob}\t{PRUNED_FILE}")
    git.ok("update-index", "-z", "--index-info", stdin="".join(f"{ln}\0" for ln in lines).encode(), env=index)
    tree = git.ok("write-tree", env=index).strip()
    parents = ["-p", tip] if tip is not None else []
    return git.ok("commit-tree", tree, *parents, "-m", message).strip()


def _blobs(git: _Git, scratch: Path, runs: Iterable[Run]) -> list[str]:
    """The runs' documents written into the scratch repository, by one ``git hash-object``: their ids."""
    files = []
    for n, run in enumerate(runs):
        f = scratch / f"doc-{n}.json"
        f.write_bytes(run_document(run))
        files.append(f)
    if not files:
        return []
    listing = "".join(f"{f}\n" for f in files).encode()
    oids = git.ok("hash-object", "-w", "--stdin-paths", stdin=listing).split()
    for f in files:
        f.unlink()
    return oids


def _push(git: _Git, commit: str, branch: str) -> bool:
    """Push ``commit`` as the branch's new tip: True when taken, False when the remote refused it because
    the branch moved (another job pushed first); any other failure raises."""
    cp = git.run("push", "--porcelain", "--quiet", git.remote, f"{commit}:refs/heads/{branch}")
    if cp.returncode == 0:
        return True
    out = cp.stdout.decode("utf-8", errors="replace")
    if any(line.startswith("!") for line in out.splitlines()):
        return False
    raise SyncError(f"perfgate sync: cannot push to {strip_credentials(git.remote)}: {_message(cp)}")


def sync_store(
    store: RunStore,
    root: Path,
    *,
    branch: str = DEFAULT_BRANCH,
    remote: str = DEFAULT_REMOTE,
    push: bool = True,
    prune: Prune | None = None,
    project: str | None = None,
    environ: Mapping[str, str] | None = None,
    redact: Redactor | None = None,
    now: datetime | None = None,
    attempts: int = ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
    before_push: Callable[[int], None] | None = None,
) -> SyncReport:
    """``perfgate sync``: store the runs on ``remote``'s ``branch`` that ``store`` lacks, then (``push``)
    add ``store``'s runs (of ``project``, when given) that the branch lacks and push.

    ``root`` is the project's directory (its repository's remotes and credentials are used). A file on
    the branch that is not a valid run document is a warning in the report; the others are still stored.
    A rejected push (another job pushed first) is rebuilt on the new tip and retried, ``attempts`` times
    in all with a random pause; ``before_push(attempt)`` is called just before each push (for tests).
    """
    prune = prune or Prune()
    if prune.active and not push:
        raise UsageError(
            "perfgate sync: --keep and --max-age prune the branch, which needs a push: drop --no-push"
        )
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or branch.startswith(("-", "/")) or ".." in branch:
        raise UsageError(f"perfgate sync: --branch {branch!r} is not a branch name git accepts here")
    env = dict(os.environ if environ is None else environ)
    now = now or datetime.now(UTC)
    shown = strip_credentials(remote)
    with tempfile.TemporaryDirectory(prefix="perfgate-sync-") as tmp:
        scratch = Path(tmp)
        gitdir = scratch / "repo.git"
        _scratch_repository(gitdir, root, env)
        git = _Git(gitdir, root, env, remote)
        have = {i.id for i in store.list_runs(limit=None)}
        mine = store.list_runs(project=project, limit=None, newest_first=False)
        not_pushed = len(have) - len(mine)
        pulled: list[str] = []
        warnings: list[str] = []
        tried = 0
        tip = None
        created = False
        pushed: tuple[str, ...] = ()
        removed: tuple[str, ...] = ()
        for attempt in range(1, max(attempts, 1) + 1):
            tip = _fetch(git, branch)
            entries, pruned, odd = _tree(git, tip)
            got, bad = _pull(git, store, entries, have, redact)
            pulled += got
            warnings += [w for w in (*odd, *bad) if w not in warnings]
            if not push:
                break
            new = [i for i in mine if i.id not in entries and i.id not in pruned]
            files = {rid: e.path for rid, e in entries.items()}
            new_runs = {i.id: store.get_run(i.id) for i in new}
            files.update({rid: run_path(r) for rid, r in new_runs.items()})
            dropped = _to_prune(files, prune, now)
            kept = {rid: r for rid, r in new_runs.items() if rid not in dropped}
            blobs = _blobs(git, scratch, kept.values())
            add = {rid: (run_path(r), oid) for (rid, r), oid in zip(kept.items(), blobs, strict=True)}
            remove = {rid: entries[rid].path for rid in sorted(dropped) if rid in entries}
            tombstones = pruned | dropped if not dropped <= pruned else None  # None: unchanged
            if not add and not remove and tombstones is None:
                break
            message = f"perfgate sync: add {len(add)} run(s)" + (f", prune {len(remove)}" if remove else "")
            commit = _commit(git, scratch, tip, add, remove, tombstones, message)
            tried = attempt
            if before_push is not None:
                before_push(attempt)
            if _push(git, commit, branch):
                created = tip is None
                tip, pushed, removed = commit, tuple(add), tuple(remove)
                break
            if attempt < attempts:
                pause(random.uniform(0.2, 1.0) * attempt)
        else:
            raise SyncError(
                f"perfgate sync: {branch} on {shown} moved under every one of {attempts} pushes "
                "(other jobs pushing): nothing pushed; run `perfgate sync` again"
            )
    return SyncReport(
        branch=branch,
        remote=shown,
        pulled=tuple(pulled),
        pushed=pushed,
        pruned=removed,
        warnings=tuple(warnings),
        attempts=tried,
        commit=tip,
        created=created,
        not_pushed=not_pushed if push else 0,
    )
