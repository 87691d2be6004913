"""The history a run's noise model is measured on: which stored runs `app.with_history` picks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from builders import result, run_at
from perfgate.app import Baseline, Workspace, gate_run, with_history
from perfgate.config import Config
from perfgate.model import Result, Run, Status
from perfgate.stats import HISTORY_T

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def one_value(value: float) -> Result:
    return result("bench_parse", [value])


def stored(
    i: int, commit: str, value: float, *, branch: str = "main", bed: str = "tb", tier: str = "fast"
) -> Run:
    return run_at(
        T0,
        i,
        commit,
        [one_value(value)],
        project="p",
        branch=branch,
        testbed=bed,
        tier=tier,
        source="libtest",
    )


def test_history_is_the_testbeds_main_runs_without_the_run_itself_or_its_commit(tmp_path: Path) -> None:
    ws = Workspace(
        Config(root=tmp_path, source=None, project="p"), environ={}, store_url=str(tmp_path / "p.db")
    )
    main = [stored(i, f"{i:040x}", 1.0 + 0.01 * (i % 3)) for i in range(8)]
    retried = stored(8, "c" * 40, 1.0)  # an earlier run of the commit being judged
    others = [
        stored(9, "d" * 40, 9.0, branch="feature"),
        stored(10, "e" * 40, 9.0, bed="other-machine"),
        stored(11, "f" * 40, 9.0, tier="slow"),
    ]
    current = stored(12, "c" * 40, 2.4)  # +140%, one value: libtest
    with ws.store() as store:
        for r in [*main, retried, *others, current]:
            store.add_run(r)
        base = with_history(store, ws, current, Baseline((main[-1],), "latest 1 run(s) on main"), limit=6)
    assert base.runs == (main[-1],)
    assert [r.id for r in base.history] == [r.id for r in reversed(main[-6:])]
    out = gate_run(ws, current, base)
    (v,) = out.verdicts
    assert (v.status, v.method) == (Status.REGRESSION, HISTORY_T)
    assert out.exit_code() == 1
