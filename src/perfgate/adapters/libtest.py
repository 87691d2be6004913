"""Rust libtest ``cargo bench`` text output (and Criterion's ``--output-format bencher``, same shape).

A result line reads ``test name ... bench:   1,234 ns/iter (+/- 56) = 789 MB/s``. libtest prints the
median of its samples and, after ``+/-``, the spread between the largest and the smallest sample; it
does not print the samples or their count, so each result is a one-figure summary (``n = 1``) with the
spread kept in ``extra["spread"]`` (seconds). ``= N MB/s`` becomes a ``throughput`` result in B/s.

``Running <binary>`` headers name the bench target; the target (without Cargo's hash) becomes the
benchmark's group, and prefixes the name only when one name appears under two targets. A bench that
panicked (``test x ... FAILED``) becomes a failed result with the panic message when the file has it.
A run cargo reports as failed (``error: bench failed``, ``test result: FAILED``, ``error: process didn't
exit successfully`` after a signal) is a failed run (``Parsed.status`` ``failed``); a bench whose
``test x ...`` line never got its figure is then a failed result too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perfgate.adapters.base import Adapter, Parsed, read_text
from perfgate.errors import ParseError
from perfgate.model import BenchmarkId, Direction, Result, RunStatus, Summary, normalize

__all__ = ["ADAPTERS", "LibtestAdapter"]

_BENCH = re.compile(
    r"^test (?P<name>.+?) \.\.\. bench:\s+(?P<value>[\d,._]+) (?P<unit>\S+)/iter"
    r"(?:\s+\(\+/-\s*(?P<dev>[\d,._]+)\))?(?:\s+=\s+(?P<tp>[\d,._]+) (?P<tpunit>\S+))?\s*$"
)
_FAILED = re.compile(r"^test (?P<name>.+?) \.\.\. FAILED\s*$")
_RUNNING = re.compile(r"^\s+Running (?:\S+ )?\(?(?P<target>[^\s()]+)\)?\s*$")
_PANIC_HEADER = re.compile(r"^---- (?P<name>.+?) stdout ----\s*$")
_HASH = re.compile(r"-[0-9a-f]{16}$")
_STARTED = re.compile(r"^test (?P<name>.+?) \.\.\.\s*$")
_RUN_FAILED = re.compile(
    r"^(error: bench failed.*|error: process didn't exit successfully.*|test result: FAILED.*)$"
)


def _number(src: str, lineno: int, text: str) -> float:
    try:
        return float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ParseError.at(src, lineno, f"{text!r} is not a number") from None


def _target(path: str) -> str:
    stem = path.replace("\\", "/").rsplit("/", 1)[-1]
    return _HASH.sub("", stem.removesuffix(".exe"))


class LibtestAdapter:
    """``cargo bench`` with libtest's bencher (``test x ... bench: N ns/iter (+/- D)``)."""

    name = "libtest"
    description = "Rust `cargo bench` libtest output, and Criterion's --output-format bencher"

    def sniff(self, path: Path, head: str) -> bool:
        return any(_BENCH.match(line) for line in head.splitlines())

    def parse(self, path: Path) -> Parsed:
        text = read_text(path)
        src = str(path)
        target: str | None = None
        rows: list[tuple[int, str | None, str, dict[str, Any]]] = []
        failed: dict[str, tuple[int, str | None]] = {}
        panics: dict[str, str] = {}
        started: dict[str, tuple[int, str | None]] = {}
        failure: str | None = None
        lines = text.splitlines()
        for lineno, line in enumerate(lines, start=1):
            rf = _RUN_FAILED.match(line.strip())
            if rf and failure is None:
                failure = rf.group(1)
            st = _STARTED.match(line)
            if st:
                started[st.group("name").strip()] = (lineno, target)
                continue
            m = _BENCH.match(line)
            if m:
                rows.append((lineno, target, m.group("name").strip(), self._figures(src, lineno, m)))
                continue
            f = _FAILED.match(line)
            if f:
                failed[f.group("name").strip()] = (lineno, target)
                continue
            r = _RUNNING.match(line)
            if r:
                target = _target(r.group("target"))
                continue
            p = _PANIC_HEADER.match(line)
            if p and lineno < len(lines):
                # the first non-empty line of the captured output says why it failed
                for follow in lines[lineno:]:
                    if follow.strip():
                        panics[p.group("name")] = follow.strip()
                        break
        if failure is not None:
            measured = {name for _, _, name, _ in rows}
            for name, where in started.items():
                if name not in measured and name not in failed:
                    failed[name] = where
                    panics.setdefault(name, f"did not finish: {failure}")
        if not rows and not failed:
            raise ParseError.at(src, None, "no libtest bench lines (test x ... bench: N ns/iter)")
        names: dict[str, set[str | None]] = {}
        for _, tgt, name, _ in rows:
            names.setdefault(name, set()).add(tgt)
        for name, (_, tgt) in failed.items():
            names.setdefault(name, set()).add(tgt)

        def ident(name: str, tgt: str | None) -> BenchmarkId:
            full = f"{tgt}::{name}" if tgt and len(names[name]) > 1 else name
            return BenchmarkId(full, group=tgt)

        results: list[Result] = []
        seen: dict[tuple[str, str], int] = {}
        for lineno, tgt, name, fig in rows:
            bid = ident(name, tgt)
            for result in self._results(bid, fig):
                if result.key in seen:
                    raise ParseError.at(
                        src, lineno, f"benchmark {name!r} appears twice (first at line {seen[result.key]})"
                    )
                seen[result.key] = lineno
                results.append(result)
        for name, (_line, tgt) in failed.items():
            bid = ident(name, tgt)
            if (bid.name, "time") in seen:
                continue  # a later FAILED line about a test that did report a figure: keep the figure
            results.append(
                Result(
                    benchmark=bid,
                    metric="time",
                    unit="s",
                    direction=Direction.LOWER,
                    error=panics.get(name, "failed"),
                )
            )
        return Parsed(
            source=self.name,
            results=tuple(results),
            status=RunStatus.COMPLETE if failure is None else RunStatus.FAILED,
        )

    @staticmethod
    def _figures(src: str, lineno: int, m: re.Match[str]) -> dict[str, Any]:
        unit = m.group("unit")
        value, canonical = normalize(_number(src, lineno, m.group("value")), unit)
        if canonical != "s":
            raise ParseError.at(src, lineno, f"unknown time unit {unit!r}/iter")
        fig: dict[str, Any] = {"time": value}
        if m.group("dev") is not None:
            fig["spread"] = normalize(_number(src, lineno, m.group("dev")), unit)[0]
        if m.group("tp") is not None:
            tp, tp_unit = normalize(_number(src, lineno, m.group("tp")), m.group("tpunit"))
            if tp_unit != "B/s":
                raise ParseError.at(src, lineno, f"unknown throughput unit {m.group('tpunit')!r}")
            fig["throughput"] = tp
        return fig

    @staticmethod
    def _results(bid: BenchmarkId, fig: dict[str, Any]) -> list[Result]:
        t = fig["time"]
        extra = {"spread": fig["spread"]} if "spread" in fig else {}
        out = [
            Result(
                benchmark=bid,
                metric="time",
                unit="s",
                direction=Direction.LOWER,
                summary=Summary(n=1, mean=t, median=t, min=t, max=t),
                extra=extra,
            )
        ]
        if "throughput" in fig:
            tp = fig["throughput"]
            out.append(
                Result(
                    benchmark=bid,
                    metric="throughput",
                    unit="B/s",
                    direction=Direction.HIGHER,
                    summary=Summary(n=1, mean=tp, median=tp, min=tp, max=tp),
                )
            )
        return out


ADAPTERS: tuple[Adapter, ...] = (LibtestAdapter(),)
