"""What the generated CI jobs ``pip install`` to get perfgate: the perfgate that wrote them.

A workflow that installs whatever ``perfgate`` resolves to tomorrow may run another version than the one
whose commands it was written for, so the default is pinned: the git URL and commit perfgate was
installed from (PEP 610's ``direct_url.json``), else ``perfgate==<this version>``. A perfgate installed
from a local directory, or a development version, cannot be named for CI that way: the note says so,
and ``--install SPEC`` names what CI should install.
"""

from __future__ import annotations

import json
from importlib import metadata

__all__ = ["default_install", "install_spec"]


def default_install() -> tuple[str, str | None]:
    """(the pip requirement, a note for the user or None) for the perfgate running now."""
    try:
        dist = metadata.distribution("perfgate")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "perfgate", "perfgate is not installed as a package: pass --install SPEC for CI"
    return install_spec(dist.version, dist.read_text("direct_url.json"))


def install_spec(version: str, direct_url: str | None) -> tuple[str, str | None]:
    """The requirement naming perfgate ``version`` installed as PEP 610's ``direct_url`` says, and a
    note when CI could not install it from there."""
    try:
        direct = json.loads(direct_url or "null")
    except json.JSONDecodeError:
        direct = None
    pinned = f"perfgate=={version}"
    if isinstance(direct, dict):
        vcs, url = direct.get("vcs_info"), direct.get("url")
        if (
            isinstance(vcs, dict)
            and vcs.get("vcs") == "git"
            and isinstance(vcs.get("commit_id"), str)
            and isinstance(url, str)
            and url.startswith("https://")
        ):
            return f"perfgate @ git+{url}@{vcs['commit_id']}", None
        if isinstance(url, str) and url.startswith("file:"):
            return pinned, (
                f"perfgate {version} was installed from {url}, which CI cannot reach: the workflows "
                f"install '{pinned}'; pass --install SPEC for what CI should install"
            )
    if "dev" in version or "+" in version:
        return pinned, (
            f"perfgate {version} is a development version: the workflows install '{pinned}'; "
            "pass --install SPEC for what CI should install"
        )
    return pinned, None
