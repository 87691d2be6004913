"""What ``perfgate ingest`` makes of perfgate's own documents: a run document is stored as it is, however
it is packed; results documents become a new run. Real files written by perfgate's own serialiser."""

from __future__ import annotations

import gzip
import json

from builders import T0, RunFactory
from perfgate import app
from perfgate.model import dumps_run, results_to_dict


def test_a_gzipped_run_document_is_stored_as_it_is(repo, tmp_path):
    """The adapter registry decides what a file is (gzip undone), not a byte match on its head."""
    run = RunFactory()(project="demo", tier="fast")
    path = tmp_path / "run.json.gz"
    path.write_bytes(gzip.compress(dumps_run(run).encode()))
    got = app.ingest_paths(repo.workspace(), [path])
    assert (got.id, got.tier, got.git, got.started) == (run.id, "fast", run.git, run.started)
    assert app.run_document(path) == run


def test_a_results_document_is_no_run_document_however_it_is_spaced(repo, tmp_path):
    doc = results_to_dict(RunFactory()().results, started=T0, finished=None)
    path = tmp_path / "results.json"
    # a key order and spacing other than perfgate's own, as another tool may rewrite it
    path.write_text(json.dumps(dict(reversed(list(doc.items()))), separators=(", ", " : ")), encoding="utf-8")
    assert app.run_document(path) is None
    got = app.ingest_paths(repo.workspace(), [path])
    assert got.source == "perfgate" and [r.benchmark.name for r in got.results] == ["bench_a", "bench_b"]
