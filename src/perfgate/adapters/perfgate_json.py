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
from perfgate.model import Environment, ResultsDoc, Run, results_from_dict, run_from_dict

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

    def load(self, path: Path) -> Run | ResultsDoc:
        """The document as the model reads it: a Run (``"kind": "run"``, all its context) or a
        ResultsDoc (``"kind": "results"``). Errors name the file (and the line or key)."""
        doc, data = load_json(path)
        top = doc.obj(data, "top level")
        kind = top.get("kind")
        if kind == "run":
            return run_from_dict(top, str(path))
        if kind == "results":
            return results_from_dict(top, str(path))
        raise doc.error(f"'kind' must be 'run' or 'results', got {kind!r}", '"kind"')

    def parse(self, path: Path) -> Parsed:
        try:
            found = self.load(path)
        except ParseError:
            raise
        except InputError as exc:  # the model's reader names the file and the key path already
            raise ParseError(str(exc)) from exc
        if isinstance(found, Run):
            return Parsed(
                source=found.source,
                results=found.results,
                environment=_environment(found.environment),
                commit=found.git.commit if found.git is not None else None,
                branch=found.git.branch if found.git is not None else None,
                started=found.started,
                status=found.status,
            )
        return Parsed(source=self.name, results=found.results, started=found.started, status=found.status)


def _environment(env: Environment) -> dict[str, Any]:
    hints: dict[str, Any] = {k: getattr(env, k) for k in _ENV_KEYS if getattr(env, k) is not None}
    hints.update(env.extra)
    return hints


ADAPTERS: tuple[Adapter, ...] = (PerfgateAdapter(),)
