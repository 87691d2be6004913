"""Keep credentials out of what perfgate stores and prints.

Two leaks are closed here, where a Run meets its environment:

- URLs perfgate keeps or shows (the CI job's URL built from ``GITHUB_SERVER_URL``, a store URL with a
  password) lose their ``user:password@`` part: :func:`strip_credentials`.
- Messages from the code under test (a failed benchmark's exception, a note) may quote a token the job
  holds in its environment. :class:`Redactor` replaces the values of secret-looking variables
  (``GITHUB_TOKEN``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``, ``*_KEY``, ...) and of the variables the
  user names (``[tool.perfgate] redact = ["MY_VAR"]``) with ``[redacted $NAME]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from perfgate.frozen import Frozen
from perfgate.model import SeriesPoints

if TYPE_CHECKING:  # (annotations only: redacting a series imports no run classes)
    from perfgate.model import BenchmarkId, Result, Run, Series, SeriesPoint

__all__ = ["Redactor", "redact_run", "redact_series", "redactor", "strip_credentials"]

# Names that hold secrets on the CI systems perfgate knows, and the suffixes secrets are named with.
KNOWN_SECRETS = frozenset(
    {
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "CI_JOB_TOKEN",
        "CI_JOB_JWT",
        "CI_JOB_JWT_V2",
        "CI_REGISTRY_PASSWORD",
        "CI_DEPLOY_PASSWORD",
        "BUILDKITE_AGENT_ACCESS_TOKEN",
        "SYSTEM_ACCESSTOKEN",
        "PERFGATE_TOKEN",
    }
)
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|KEY|APIKEY|CREDENTIALS?|AUTH|JWT)$", re.IGNORECASE
)
# Names matching the pattern whose values are not secrets (paths, sockets, ids).
_NOT_SECRET = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO"})
# Values shorter than this are not redacted by name pattern: "1", "true" or "main" would blank out
# ordinary words everywhere. A variable the user names is redacted whatever its length.
MIN_SECRET_CHARS = 8
# A URL's userinfo, wherever a URL appears in a message ("https://user:pw@host/...").
# (Up to the last "@" before the path, so a password with a raw "@" goes whole.)
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")


def strip_credentials(url: str) -> str:
    """``url`` (or any text quoting URLs) without ``user:password@`` parts:
    ``https://u:p@host/x`` -> ``https://host/x``."""
    return _USERINFO.sub("", url) if "@" in url else url


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    upper = name.upper()
    if upper in _NOT_SECRET:
        return False
    return upper in KNOWN_SECRETS or _SECRET_NAME.search(upper) is not None


class Redactor(Frozen):
    """Replaces known secret values in text. ``secrets`` pairs each value with the variable it came from;
    longer values are replaced first, so a secret containing another is replaced whole. A frozen value
    (:class:`perfgate.frozen.Frozen`: every command builds one as it starts)."""

    _fields = ("secrets",)
    __slots__ = _fields
    secrets: tuple[tuple[str, str], ...]

    def __init__(self, secrets: tuple[tuple[str, str], ...] = ()) -> None:
        for value, name in secrets:
            if not value:
                raise ValueError(f"secret {name}: empty value")
        self._fill(secrets)

    def __call__(self, text: str) -> str:
        """``text`` with every secret value (and any URL's ``user:password@``) replaced."""
        text = strip_credentials(text)
        for value, name in self.secrets:
            if value in text:
                text = text.replace(value, f"[redacted ${name}]")
        return text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)


def redactor(environ: Mapping[str, str], names: Iterable[str] = ()) -> Redactor:
    """The Redactor for a process environment: the values of secret-looking variables at least
    :data:`MIN_SECRET_CHARS` long, and of every variable in ``names`` (the user's ``redact`` list)."""
    wanted = set(names)
    found: dict[str, str] = {}
    for name, value in environ.items():
        value = value.strip()
        if not value:
            continue
        if name in wanted or (is_secret_name(name) and len(value) >= MIN_SECRET_CHARS):
            found.setdefault(value, name)
    ordered = sorted(found.items(), key=lambda vn: (-len(vn[0]), vn[1]))
    return Redactor(tuple(ordered))


def _redact_benchmark(bench: BenchmarkId, redact: Redactor) -> BenchmarkId:
    """``bench`` with secrets out of its name and parameter values (the same object when none are in
    it). A command benchmark is named by its command line, which the shell may have filled with a token."""
    from dataclasses import replace  # (a run's values are dataclasses; the start imports no dataclasses)

    name = redact(bench.name)
    params = tuple((k, redact(v)) for k, v in bench.params)
    if name == bench.name and params == bench.params:
        return bench
    return replace(bench, name=name, params=params)


def redact_run(run: Run, redact: Redactor) -> Run:
    """``run`` with its results' benchmark names, parameters and error messages redacted and its CI URL
    without credentials (the same run when nothing changes)."""
    from dataclasses import replace

    def redacted(r: Result) -> Result:
        bench = _redact_benchmark(r.benchmark, redact)
        error = redact(r.error) if r.error is not None else None
        if bench is r.benchmark and error == r.error:
            return r
        return replace(r, benchmark=bench, error=error)

    results = tuple(redacted(r) for r in run.results) if _may_quote(run, redact) else run.results
    ci = run.ci
    if ci is not None and ci.url is not None and strip_credentials(ci.url) != ci.url:
        ci = replace(ci, url=strip_credentials(ci.url))
    if ci is run.ci and all(a is b for a, b in zip(results, run.results, strict=True)):
        return run
    return replace(run, results=results, ci=ci)


def redact_series(series: Series, redact: Redactor) -> Series:
    """``series`` with its points' error messages redacted (the same series when nothing changes): a
    failed benchmark's exception may quote a token."""

    def redacted(p: SeriesPoint) -> SeriesPoint:
        error = redact.optional(p.error)
        return p if error == p.error else p._replace(error=error)

    errors = SeriesPoints.of(series.points).column("error")
    if not any(errors) or all(redact.optional(e) == e for e in errors if e):
        return series  # (without building the points a store's series keeps as columns)
    points = tuple(redacted(p) for p in series.points)
    if all(a is b for a, b in zip(points, series.points, strict=True)):
        return series
    return series._replace(points=points)


def _may_quote(run: Run, redact: Redactor) -> bool:
    """Whether any name, parameter or error of ``run`` holds a secret or an ``@`` (of a URL's
    credentials): a scan at C speed, so a run of 10,000 clean results costs about a millisecond."""
    results = run.results
    texts = [r.benchmark.name for r in results]
    texts += [r.error for r in results if r.error is not None]
    texts += [v for r in results if r.benchmark.params for _, v in r.benchmark.params]
    text = "\0".join(texts)
    return "@" in text or any(value in text for value, _ in redact.secrets)
