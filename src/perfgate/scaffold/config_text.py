"""The commented ``[tool.perfgate]`` table ``perfgate init`` writes (or ``perfgate.toml``'s same keys)."""

from __future__ import annotations

from perfgate.scaffold.detect import Detected, HarnessSuite

__all__ = ["render_config", "toml_string"]


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest as it is."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _array(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def render_config(d: Detected, prefix: str) -> str:
    """The configuration for the detected project; ``prefix`` is ``"tool.perfgate"`` for pyproject.toml
    and ``""`` for perfgate.toml (the same keys at the top level)."""
    dot = f"{prefix}." if prefix else ""
    rows: list[tuple[str, str]] = [  # (TOML, comment); "" and "" make a blank line
        ("", "perfgate: continuous benchmarking (written by `perfgate init`; every key is explained in"),
        ("", "perfgate's docs/configuration.md). `perfgate run --tier fast` measures, stores the run,"),
        ("", "compares it with the baseline and exits 1 when something got slower."),
    ]
    if prefix:
        rows.append((f"[{prefix}]", ""))
    rows += [
        (f"main_branch = {toml_string(d.main_branch)}", "its runs are the baseline of pull requests"),
        ('default_tier = "fast"', "the tier `perfgate run` uses without --tier"),
    ]
    if d.benchmark_paths:
        found = ", ".join(d.python_files[:3]) + (", ..." if len(d.python_files) > 3 else "")
        rows.append((f"benchmarks = {_array(d.benchmark_paths)}", f"what pytest collects (found: {found})"))
    else:
        rows.append(("", 'benchmarks = ["bench"]  # what pytest collects (no pytest benchmark found yet)'))
    rows += [
        ("", ""),
        (f"[{dot}thresholds]", "a significant change beyond these fails the gate"),
        ('time = "10%"', "CI runners are noisy: tighten it once the history shows their spread"),
        ('allocations = "50%"', ""),
        ("", ""),
        (f"[{dot}tiers.fast]", "every pull request and every push to the main branch"),
        ('timeout = "1min"', "per benchmark: a slower one is stopped and fails"),
        ("", 'budget = "5min"  # the whole tier: benchmarks left when it is spent are skipped'),
        ("", 'select = ["-m", "not slow"]  # pytest arguments that pick the fast benchmarks'),
        ("", ""),
        (f"[{dot}tiers.nightly]", "the scheduled run: more passes, longer harness runs, warn-only"),
        ("passes = 20", "passes through the suite per benchmark (default 10)"),
        ('timeout = "10min"', ""),
    ]
    for s in d.suites:
        rows += [("", ""), *_suite(s, dot)]
    return "\n".join(_aligned(rows)) + "\n"


_WIDE = 40  # a longer line gets its comment on the line above


def _aligned(rows: list[tuple[str, str]]) -> list[str]:
    """The rows as TOML lines, comments aligned within each block of lines between blank ones."""
    lines: list[str] = []
    block: list[tuple[str, str]] = []
    for row in [*rows, ("", "")]:
        if row != ("", ""):
            block.append(row)
            continue
        width = max((len(c) for c, m in block if c and m and len(c) <= _WIDE), default=0) + 2
        for code, comment in block:
            if code and comment and len(code) <= _WIDE:
                lines.append(f"{code.ljust(width)}# {_comment(comment)}")
            elif code and comment:
                lines += [f"# {_comment(comment)}", code]
            else:
                lines.append(code or f"# {_comment(comment)}")
        lines.append("")
        block = []
    return lines[:-1]


def _comment(text: str) -> str:
    """Text for a TOML comment: one line, nothing that ends it early."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _suite(s: HarnessSuite, dot: str) -> list[tuple[str, str]]:
    rows = [
        ("", s.found),
        (f"[[{dot}suites]]", "another harness, run by `perfgate run` (perfgate's docs/configuration.md)"),
        (f"name = {toml_string(s.name)}", "results are named after the suite"),
        (f"command = {_array(s.command)}", "argv, no shell"),
        (f"format = {toml_string(s.format)}", "the adapter that reads the output"),
        (f"output = {toml_string(s.output)}", ""),
        (f"cwd = {toml_string(s.cwd)}", "relative to the project root"),
        (f"timeout = {toml_string(s.timeout)}", "a suite running longer is stopped and fails"),
    ]
    if s.args:
        rows.append((f"[{dot}suites.args]", "appended to command in each tier"))
        rows += [(f"{tier} = {_array(args)}", "") for tier, args in s.args]
    return rows
