"""Criterion.rs: its ``target/criterion`` result tree, and its ``cargo bench`` console output.

**Tree** (adapter ``criterion``): every benchmark has a ``new/`` folder with ``estimates.json``
(bootstrap estimates in ns: lower-case ``mean``/``median``/``std_dev``/``slope`` since 0.3, CamelCase
``Mean``/``Median``/``StdDev`` before), ``sample.json`` (``{"sampling_mode", "iters", "times"}``, or
the old ``[[iters], [times]]``: each sample's total ns over its iteration count) and
``benchmark.json`` (the id: ``group_id``, ``function_id``, ``value_str``, ``full_id``). The adapter
takes the tree's root (or any folder above a ``new/``), or one of those files: a file stands for its
whole benchmark folder, so the three files of one benchmark give the same result. Samples are
``times / iters`` in seconds; the summary is computed from them, with Criterion's own bootstrap CI of
the median. Without samples the summary comes from the estimates (``n = 1``, min/max unknown and set
to the centre estimates).

**Console** (adapter ``criterion-console``): ``name  time: [low estimate high]`` with ps/ns/µs/ms/s,
optional ``thrpt: [...]`` and ``change: [...] (p = ...)`` lines. Each benchmark becomes a summary
whose centre is Criterion's estimate and whose CI is the bracket (95%, Criterion's default); ``n`` is
the sample count when the output says it ("Collecting 100 samples", "among 100 measurements").
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import load_json
from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, RunStatus, Summary, normalize
from perfgate.stats import summarize

__all__ = ["ADAPTERS", "CriterionConsoleAdapter", "CriterionTreeAdapter"]

_FILES = ("estimates.json", "sample.json", "benchmark.json")
_MAX_DEPTH = 6  # target/criterion/<group>/<function>/<value>/new: deep enough, cheap on big trees


def _load(path: Path) -> Any:
    return load_json(path)[1]


def _kind(doc: Any) -> str | None:
    """Which Criterion file a decoded JSON document is, by its shape."""
    if isinstance(doc, dict):
        keys = set(doc)
        if {"mean", "median", "std_dev"} <= keys or {"Mean", "Median", "StdDev"} <= keys:
            return "estimates"
        if {"iters", "times"} <= keys:
            return "sample"
        if {"group_id", "full_id"} <= keys or {"group_id", "function_id", "value_str"} <= keys:
            return "benchmark"
        return None
    if (
        isinstance(doc, list)
        and len(doc) == 2
        and all(isinstance(x, list) for x in doc)
        and len(doc[0]) == len(doc[1])
        and len(doc[0]) > 0
        and all(isinstance(v, int | float) for x in doc for v in x)
    ):
        return "sample"
    return None


def _head_kind(head: str) -> str | None:
    text = head.strip()
    if not text.startswith(("{", "[")):
        return None
    try:
        return _kind(json.loads(text))
    except (ValueError, RecursionError):
        # a file larger than the head: judge by the distinctive keys at its start
        if re.match(r'^\{\s*"(mean|Mean)"\s*:\s*\{\s*"confidence_interval"', text):
            return "estimates"
        if re.match(r'^\{\s*"sampling_mode"\s*:', text):
            return "sample"
        return None


def _is_bench_dir(d: Path) -> bool:
    return (d / "new" / "estimates.json").is_file() or (d / "new" / "sample.json").is_file()


def _bench_dirs(root: Path, strict: bool = False) -> list[Path]:
    """Benchmark folders (those holding ``new/``) under ``root``, sorted, at most _MAX_DEPTH deep.

    ``strict``: return nothing when the tree holds other files than Criterion's (it is then some
    larger folder that merely contains a Criterion tree, which the caller reaches by descending).
    """
    found: list[Path] = []

    def walk(d: Path, depth: int) -> bool:
        if _is_bench_dir(d):
            found.append(d)
        try:
            children = sorted(d.iterdir())
        except OSError:
            return False
        for c in children:
            if c.name in ("new", "base", "change", "report"):
                continue
            if c.is_dir():
                if depth < _MAX_DEPTH and not walk(c, depth + 1):
                    return False
            elif strict:
                return False
        return True

    if not walk(root, 0) and strict:
        return []
    return found


def _num(src: Path, doc: Any, *keys: str) -> float:
    cur = doc
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            raise ParseError.at(str(src), None, f"missing key {'.'.join(keys)}")
        cur = cur[k]
    if isinstance(cur, bool) or not isinstance(cur, int | float) or not math.isfinite(cur):
        raise ParseError.at(str(src), None, f"{'.'.join(keys)} is not a finite number: {cur!r}")
    return float(cur)


def _estimates(src: Path, doc: Any) -> tuple[Summary, dict[str, Any]]:
    """Summary (in s) from an estimates document, and the other estimates for ``extra``."""
    lower = "mean" in doc
    mean_k, median_k, sd_k = ("mean", "median", "std_dev") if lower else ("Mean", "Median", "StdDev")
    mean = _num(src, doc, mean_k, "point_estimate") * 1e-9
    median = _num(src, doc, median_k, "point_estimate") * 1e-9
    sd = _num(src, doc, sd_k, "point_estimate") * 1e-9
    lo = _num(src, doc, median_k, "confidence_interval", "lower_bound") * 1e-9
    hi = _num(src, doc, median_k, "confidence_interval", "upper_bound") * 1e-9
    level = _num(src, doc, median_k, "confidence_interval", "confidence_level")
    if not 0 < level < 1 or lo > hi or sd < 0:
        raise ParseError.at(str(src), None, f"inconsistent estimates for {median_k}")
    extra: dict[str, Any] = {"criterion_mean": mean, "criterion_median": median}
    slope_k = "slope" if lower else "Slope"
    if isinstance(doc.get(slope_k), dict):
        extra["criterion_slope"] = _num(src, doc, slope_k, "point_estimate") * 1e-9
    summary = Summary(
        n=1,
        mean=mean,
        median=median,
        min=min(mean, median),
        max=max(mean, median),
        stddev=sd,
        ci_low=lo,
        ci_high=hi,
        ci_level=level,
    )
    return summary, extra


def _samples(src: Path, doc: Any) -> tuple[tuple[float, ...], str | None]:
    if isinstance(doc, dict):
        iters, times, mode = doc.get("iters"), doc.get("times"), doc.get("sampling_mode")
    else:
        iters, times, mode = doc[0], doc[1], None
    if not isinstance(iters, list) or not isinstance(times, list) or len(iters) != len(times) or not iters:
        raise ParseError.at(str(src), None, "iters and times must be lists of one non-zero length")
    out: list[float] = []
    for i, t in zip(iters, times, strict=True):
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (i, t))
        if not ok or i <= 0 or t < 0:
            raise ParseError.at(str(src), None, f"bad sample: {t!r} ns over {i!r} iterations")
        out.append(t / i * 1e-9)
    return tuple(out), mode if isinstance(mode, str) else None


def _ident(src: Path, folder: Path, doc: Any | None) -> BenchmarkId:
    if doc is None:
        return BenchmarkId(folder.name)
    if not isinstance(doc, dict):
        raise ParseError.at(str(src), None, "benchmark.json must be an object")
    full = doc.get("full_id") or doc.get("title")
    parts = [doc.get(k) for k in ("group_id", "function_id", "value_str")]
    if not isinstance(full, str) or not full.strip():
        full = "/".join(p for p in parts if isinstance(p, str) and p)
    if not full.strip():
        raise ParseError.at(str(src), None, "benchmark.json names no benchmark (group_id/full_id)")
    group = doc.get("group_id") if isinstance(doc.get("group_id"), str) else None
    params: tuple[tuple[str, str], ...] = ()
    if isinstance(doc.get("value_str"), str):
        params = (("value", doc["value_str"]),)
    return BenchmarkId(full.strip(), group=group, params=params)


def _parse_folder(folder: Path) -> Result:
    """One benchmark from ``folder/new/*.json``."""
    new = folder / "new"
    docs: dict[str, tuple[Path, Any]] = {}
    for fname in _FILES:
        f = new / fname
        if f.is_file():
            doc = _load(f)
            kind = _kind(doc)
            if kind != fname.removesuffix(".json"):
                raise ParseError.at(str(f), None, f"not a Criterion {fname} (unexpected shape)")
            docs[kind] = (f, doc)
    bsrc, bdoc = docs.get("benchmark", (new / "benchmark.json", None))
    bid = _ident(bsrc, folder, bdoc)
    est_summary: Summary | None = None
    extra: dict[str, Any] = {}
    if "estimates" in docs:
        est_summary, extra = _estimates(*docs["estimates"])
    samples: tuple[float, ...] = ()
    if "sample" in docs:
        samples, mode = _samples(*docs["sample"])
        if mode:
            extra["sampling_mode"] = mode
    if samples:
        summary = summarize(samples)
        if est_summary is not None:
            # Criterion's bootstrap interval of the median is the better CI: keep it
            summary = replace(
                summary, ci_low=est_summary.ci_low, ci_high=est_summary.ci_high, ci_level=est_summary.ci_level
            )
    elif est_summary is not None:
        summary = est_summary
    else:
        raise ParseError.at(str(new), None, "no estimates.json or sample.json")
    return Result(
        benchmark=bid,
        metric="time",
        unit="s",
        direction=Direction.LOWER,
        summary=summary,
        samples=samples,
        rounds=len(samples) or None,
        extra=extra,
    )


class CriterionTreeAdapter:
    """Criterion's ``target/criterion`` JSON results (a directory, or its ``new/*.json`` files)."""

    name = "criterion"
    description = "Criterion.rs target/criterion tree (estimates.json, sample.json, benchmark.json)"

    def sniff(self, path: Path, head: str) -> bool:
        try:
            if path.is_dir():
                return bool(_bench_dirs(path, strict=True))
            return _head_kind(head) is not None
        except OSError:
            return False

    def parse(self, path: Path) -> Parsed:
        if path.is_dir():
            folders = _bench_dirs(path)
            if not folders:
                raise ParseError.at(str(path), None, "no Criterion benchmark folder (*/new/estimates.json)")
        else:
            kind = _kind(_load(path))
            if kind is None:
                raise ParseError.at(str(path), None, "not a Criterion estimates/sample/benchmark JSON file")
            # a file in <bench>/new/ stands for its whole benchmark folder
            if path.parent.name != "new":
                return Parsed(source=self.name, results=(self._lone(path, kind),))
            folder = path.parent.parent
            folders = [folder]
        results = tuple(_parse_folder(f) for f in folders)
        seen: dict[tuple[str, str], Path] = {}
        for folder, r in zip(folders, results, strict=True):
            if r.key in seen:
                raise ParseError.at(str(folder), None, f"benchmark {r.key[0]!r} also in {seen[r.key]}")
            seen[r.key] = folder
        return Parsed(source=self.name, results=results)

    def _lone(self, path: Path, kind: str) -> Result:
        """A Criterion file outside its ``new/`` folder: named after the file."""
        doc = _load(path)
        bid = BenchmarkId(path.stem.removesuffix(".new.estimates").removesuffix(".new.sample") or path.name)
        if kind == "estimates":
            summary, extra = _estimates(path, doc)
            return Result(bid, "time", "s", Direction.LOWER, summary=summary, extra=extra)
        if kind == "sample":
            samples, _ = _samples(path, doc)
            return Result(bid, "time", "s", Direction.LOWER, summary=summarize(samples), samples=samples)
        raise ParseError.at(
            str(path), None, "benchmark.json outside a Criterion benchmark folder has no figures"
        )


_TIME = re.compile(
    r"^(?P<name>.*?)\s*time:\s+\[(?P<lo>\S+)\s+(?P<lou>\S+)\s+(?P<est>\S+)\s+(?P<estu>\S+)\s+"
    r"(?P<hi>\S+)\s+(?P<hiu>\S+)\]\s*$"
)
_THRPT = re.compile(
    r"^\s*thrpt:\s+\[(?P<lo>\S+)\s+(?P<lou>\S+)\s+(?P<est>\S+)\s+(?P<estu>\S+)\s+(?P<hi>\S+)\s+(?P<hiu>\S+)\]"
)
# "change: [..%..]" on one line, or "change:" then "time: [..%..]" (with throughput, Criterion >= 0.3)
_CHANGE = re.compile(
    r"^\s*(?:change:\s+|time:\s+)\[(?P<lo>\S+)%\s+(?P<est>\S+)%\s+(?P<hi>\S+)%\](?:\s+\(p = (?P<p>[\d.]+))?"
)
_COUNT = re.compile(r"(?:Collecting (\d+) samples|among (\d+) measurements)")
_BENCHMARKING = re.compile(
    r"^Benchmarking (?P<name>.+?)(?:: (?:Warming up|Collecting|Analyzing|Complete).*)?$"
)
# cargo's words for a bench run that failed or was killed (a panic in a benchmark ends the process)
_RUN_FAILED = re.compile(
    r"^(error: bench failed.*|error: process didn't exit successfully.*|thread '.*' panicked at.*)$"
)
_TIME_UNITS = ("ps", "ns", "µs", "μs", "us", "ms", "s")
_SI = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BIN = {"B": 1.0, "KiB": 1024.0, "MiB": 1024.0**2, "GiB": 1024.0**3, "TiB": 1024.0**4}


def _rate(src: str, lineno: int, value: str, unit: str) -> tuple[float, str, str]:
    """(value, canonical unit, metric) for a Criterion throughput figure (B/s family or elem/s)."""
    v = _float(src, lineno, value)
    per = unit.removesuffix("/s")
    if per in _BIN:
        return v * _BIN[per], "B/s", "throughput"
    if per.endswith("B") and per[:-1] in _SI:  # BytesDecimal: KB/s, MB/s
        return v * _SI[per[:-1]], "B/s", "throughput"
    if per.endswith("elem") and per[:-4] in _SI:
        return v * _SI[per[:-4]], "items/s", "element_throughput"
    raise ParseError.at(src, lineno, f"unknown throughput unit {unit!r}")


def _float(src: str, lineno: int, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ParseError.at(src, lineno, f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise ParseError.at(src, lineno, f"{text!r} is not a finite number")
    return v


def _seconds(src: str, lineno: int, value: str, unit: str) -> float:
    if unit not in _TIME_UNITS:
        raise ParseError.at(src, lineno, f"unknown time unit {unit!r}")
    return normalize(_float(src, lineno, value), unit)[0]


class CriterionConsoleAdapter:
    """Criterion's ``cargo bench`` console report (``name  time: [lo est hi]``)."""

    name = "criterion-console"
    description = "Criterion.rs `cargo bench` console output (time/thrpt/change brackets)"

    def sniff(self, path: Path, head: str) -> bool:
        for line in head.splitlines():
            m = _TIME.match(line)
            if m and m.group("estu") in _TIME_UNITS:
                return True
        return False

    def parse(self, path: Path) -> Parsed:
        src = str(path)
        lines = read_text(path).splitlines()
        results: list[Result] = []
        seen: dict[str, int] = {}
        count: int | None = None
        prev = ""
        current: list[Result] = []  # the results of the benchmark being read (for its trailing lines)
        failure: str | None = None
        measuring: str | None = None  # the benchmark Criterion said it was measuring, until its figures
        for lineno, line in enumerate(lines, start=1):
            rf = _RUN_FAILED.match(line.strip())
            if rf and failure is None:
                failure = rf.group(1)
            bm = _BENCHMARKING.match(line)
            if bm:
                measuring = bm.group("name").strip()
            c = _COUNT.search(line)
            if c:
                n = int(c.group(1) or c.group(2))
                if current and c.group(2):  # "Found k outliers among n measurements" follows its result
                    current[:] = [
                        replace(r, summary=replace(r.summary, n=n)) if r.summary else r for r in current
                    ]
                else:
                    count = n
            m = _TIME.match(line)
            if m:
                results.extend(current)
                name = m.group("name").strip() or prev
                if not name:
                    raise ParseError.at(src, lineno, "time: line without a benchmark name")
                if name in seen:
                    raise ParseError.at(src, lineno, f"benchmark {name!r} appears twice (line {seen[name]})")
                seen[name] = lineno
                measuring = None
                lo = _seconds(src, lineno, m.group("lo"), m.group("lou"))
                est = _seconds(src, lineno, m.group("est"), m.group("estu"))
                hi = _seconds(src, lineno, m.group("hi"), m.group("hiu"))
                current = [self._result(src, lineno, name, "time", "s", lo, est, hi, count)]
                count = None
            elif current and (t := _THRPT.match(line)):
                lo, unit, metric = _rate(src, lineno, t.group("lo"), t.group("lou"))
                est = _rate(src, lineno, t.group("est"), t.group("estu"))[0]
                hi = _rate(src, lineno, t.group("hi"), t.group("hiu"))[0]
                current.append(
                    self._result(src, lineno, current[0].benchmark.name, metric, unit, lo, est, hi, None)
                )
            elif current and (ch := _CHANGE.match(line)):
                change = {
                    "low": _float(src, lineno, ch.group("lo")) / 100,
                    "estimate": _float(src, lineno, ch.group("est")) / 100,
                    "high": _float(src, lineno, ch.group("hi")) / 100,
                }
                if ch.group("p"):
                    change["p_value"] = _float(src, lineno, ch.group("p"))
                # the first change line is about time, a second one (after thrpt) about throughput
                target = 0 if "change" not in current[0].extra else len(current) - 1
                r = current[target]
                current[target] = replace(r, extra={**r.extra, "change": change})
            if line.strip() and not line.startswith(("Benchmarking ", "     Running")):
                prev = line.strip()
        results.extend(current)
        if failure is not None and measuring is not None and measuring not in seen:
            bid = BenchmarkId(measuring)
            results.append(Result(bid, "time", "s", Direction.LOWER, error=f"did not finish: {failure}"))
        if not results:
            raise ParseError.at(src, None, "no Criterion results (name  time: [low estimate high])")
        return Parsed(
            source=self.name,
            results=tuple(results),
            status=RunStatus.COMPLETE if failure is None else RunStatus.FAILED,
        )

    @staticmethod
    def _result(
        src: str,
        lineno: int,
        name: str,
        metric: str,
        unit: str,
        lo: float,
        est: float,
        hi: float,
        n: int | None,
    ) -> Result:
        if metric != "time" and lo > hi:
            lo, hi = hi, lo  # throughput brackets run the other way when derived from times
        if not lo <= est <= hi:
            raise ParseError.at(src, lineno, f"estimate outside its interval [{lo}, {hi}]")
        return Result(
            benchmark=BenchmarkId(name),
            metric=metric,
            unit=unit,
            direction=Direction.LOWER if metric == "time" else Direction.HIGHER,
            summary=Summary(
                n=n or 1, mean=est, median=est, min=est, max=est, ci_low=lo, ci_high=hi, ci_level=0.95
            ),
        )


ADAPTERS: tuple[Adapter, ...] = (CriterionTreeAdapter(), CriterionConsoleAdapter())
