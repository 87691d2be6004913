"""``perfgate history`` reads the configuration and the store, and imports none of the measuring, load,
or alerting code the configuration's other sections need (docs/scale.md, "Start-up"): those
modules are imported where a section is parsed. Each case runs in a new interpreter; nothing here
measures a time."""

from __future__ import annotations

from pathlib import Path

from builders import bare_run, make_result
from perfgate.store import open_store

from .test_startup import probe

# what a configuration with commands, suites, services, load scenarios and alerts would need
NOT_FOR_READING = ("perfgate.measure", "perfgate.load", "perfgate.alerts")


def test_history_imports_no_measuring_code_for_a_configuration_without_such_sections(tmp_path: Path) -> None:
    (tmp_path / "perfgate.toml").write_text('project = "p"\n[thresholds]\ntime = "5%"\n', encoding="utf-8")
    with open_store(tmp_path / ".perfgate" / "perfgate.db") as store:
        store.add_run(bare_run(make_result("bench_a")))
    code, _, modules = probe(tmp_path, "history", "bench_a", "--all-branches")
    assert code == 0
    assert "perfgate.config" in modules
    assert {m for m in modules if m.startswith(NOT_FOR_READING)} == set()


def test_a_configuration_section_still_loads_what_it_needs(tmp_path: Path) -> None:
    """A command section is still parsed (and checked) by the measuring layer's spec."""
    (tmp_path / "perfgate.toml").write_text(
        'project = "p"\n[[commands]]\nname = "sleep"\ncommand = "true"\n', encoding="utf-8"
    )
    with open_store(tmp_path / ".perfgate" / "perfgate.db") as store:
        store.add_run(bare_run(make_result("bench_a")))
    code, _, modules = probe(tmp_path, "history", "bench_a", "--all-branches")
    assert code == 0
    assert "perfgate.measure.command" in modules
