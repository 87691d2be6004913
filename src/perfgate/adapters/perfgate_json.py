"""perfgate's own JSON documents, read like any other harness's output.

Two kinds (see :mod:`perfgate.model.serialize`): a run document (``perfgate export``: ``"kind": "run"``)
and a results document (``pytest --perfgate-json``: ``"kind": "results"``, results without context).
Read as an adapter, a document contributes its results, its status, its start and, for a run document,
its commit, branch and machine; ``perfgate ingest`` wraps them in one new run, so the shards of a suite
(one results document per CI job) become one run. A single run document given alone is stored as it
is (same id, context and tier) by :func:`perfgate.app.ingest_paths`, not through this adapter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perfgate.adapters._parsing import head_is_json_object, load_json
from perfgate.adapters.base import Adapter, Parsed
from perfgate.errors import InputError, ParseError
from perfgate.model import Environment, results_from_dict, run_from_dict

__all__ = ["ADAPTERS", "PerfgateAdapter"]

_KIND = re.compile(r'"kind"\s*:\s*"(run|results)"')
# what a run document says about its machine, as :class:`Parsed` environment hints
_ENV_KEYS = ("os", "kernel", "arch", "cpu_model", "cores", "memory_bytes", "python", "governor")


class PerfgateAdapter:
    """perfgate run and results documents."""

    name = "perfgate"
    description = "perfgate JSON: run documents (perfgate export), results documents (pytest --perfgate-json)"

    def sniff(self, path: Path, head: str) -> bool:
        return head_is_json_object(head) and '"perfgate_schema"' in head and bool(_KIND.search(head))

    def parse(self, path: Path) -> Parsed:
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        kind = top.get("kind")
        try:
            if kind == "run":
                run = run_from_dict(top, str(path))
                return Parsed(
                    source=run.source,
                    results=run.results,
                    environment=_environment(run.environment),
                    commit=run.git.commit if run.git is not None else None,
                    branch=run.git.branch if run.git is not None else None,
                    started=run.started,
                    status=run.status,
                )
            if kind == "results":
                results = results_from_dict(top, str(path))
                return Parsed(
                    source=self.name, results=results.results, started=results.started, status=results.status
                )
        except ParseError:
            raise
        except InputError as exc:  # the model's reader names the file and the key path already
            raise ParseError(str(exc)) from exc
        raise doc.error(f"'kind' must be 'run' or 'results', got {kind!r}", '"kind"')


def _environment(env: Environment) -> dict[str, Any]:
    hints: dict[str, Any] = {k: getattr(env, k) for k in _ENV_KEYS if getattr(env, k) is not None}
    hints.update(env.extra)
    return hints


ADAPTERS: tuple[Adapter, ...] = (PerfgateAdapter(),)
