"""The REST endpoints perfgate uses on GitHub and GitLab, behind one small interface.

GitHub (``/repos/{owner}/{repo}``): a pull request's comments are issue comments
(``GET|POST /issues/{n}/comments``, ``PATCH /issues/comments/{id}``); a commit status is
``POST /statuses/{sha}``; a check run ``POST /check-runs``. GitLab (``/projects/{id}``): merge-request
notes (``GET|POST /merge_requests/{iid}/notes``, ``PUT /merge_requests/{iid}/notes/{id}``, system notes
skipped) and ``POST /statuses/{sha}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from perfgate.ci.http import Api

__all__ = ["CHECK_SUMMARY_LIMIT", "Comment", "Forge", "GitHub", "GitLab", "StatusState"]

#: GitHub refuses a check run whose output.summary exceeds 65535 characters.
CHECK_SUMMARY_LIMIT = 65535
#: GitHub's limit on a commit status description is 140 characters; GitLab's 255.
DESCRIPTION_LIMIT = 140


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    body: str
    url: str | None = None


StatusState = str  # "success", "failure", "pending" (mapped to each forge's words)


class Forge(Protocol):
    api: Api

    def comments(self, number: int) -> Iterator[Comment]: ...

    def create_comment(self, number: int, body: str) -> Comment: ...

    def update_comment(self, number: int, comment_id: int, body: str) -> Comment: ...

    def set_status(
        self, sha: str, context: str, state: StatusState, description: str, url: str | None
    ) -> None: ...


def _json(resp: httpx.Response) -> Any:
    """The response's JSON, or None when it is not JSON (a write that succeeded still succeeded)."""
    try:
        return resp.json()
    except ValueError:
        return None


def _comment(item: Any, number: int) -> Comment | None:
    if not isinstance(item, dict):
        return None
    cid, body = item.get("id"), item.get("body")
    if isinstance(cid, bool) or not isinstance(cid, int) or not isinstance(body, str):
        return None
    url = item.get("html_url")
    return Comment(cid, body, url if isinstance(url, str) else None)


@dataclass(slots=True)
class GitHub:
    api: Api
    repository: str  # owner/name

    @property
    def _repo(self) -> str:
        owner, name = self.repository.split("/", 1)
        return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def comments(self, number: int) -> Iterator[Comment]:
        for item in self.api.paginate(f"{self._repo}/issues/{number}/comments", {"per_page": "100"}):
            if (c := _comment(item, number)) is not None:
                yield c

    def create_comment(self, number: int, body: str) -> Comment:
        resp = self.api.request(
            "POST", self.api.url(f"{self._repo}/issues/{number}/comments"), json={"body": body}
        )
        return _comment(_json(resp), number) or Comment(0, body)

    def update_comment(self, number: int, comment_id: int, body: str) -> Comment:
        url = self.api.url(f"{self._repo}/issues/comments/{comment_id}")
        resp = self.api.request("PATCH", url, json={"body": body})
        return _comment(_json(resp), number) or Comment(comment_id, body)

    def set_status(
        self, sha: str, context: str, state: StatusState, description: str, url: str | None
    ) -> None:
        data: dict[str, str] = {
            "state": state,
            "context": context,
            "description": description[:DESCRIPTION_LIMIT],
        }
        if url:
            data["target_url"] = url
        self.api.request("POST", self.api.url(f"{self._repo}/statuses/{quote(sha, safe='')}"), json=data)

    def check_run(
        self, sha: str, name: str, conclusion: str, title: str, summary: str, url: str | None
    ) -> None:
        """A completed check run; ``summary`` cut to :data:`CHECK_SUMMARY_LIMIT` characters."""
        if len(summary) > CHECK_SUMMARY_LIMIT:
            tail = "\n\n… truncated (GitHub's limit)\n"
            summary = summary[: CHECK_SUMMARY_LIMIT - len(tail)].rsplit("\n", 1)[0] + tail
        data: dict[str, Any] = {
            "name": name,
            "head_sha": sha,
            "status": "completed",
            "conclusion": conclusion,
            "output": {"title": title[:DESCRIPTION_LIMIT], "summary": summary},
        }
        if url:
            data["details_url"] = url
        self.api.request("POST", self.api.url(f"{self._repo}/check-runs"), json=data)

    def pull_head(self, number: int) -> tuple[str | None, str | None]:
        """The pull request's head sha and head repository (owner/name)."""
        resp = self.api.request("GET", self.api.url(f"{self._repo}/pulls/{number}"))
        data = _json(resp)
        head = data.get("head") if isinstance(data, dict) else None
        if not isinstance(head, dict):
            return None, None
        sha = head.get("sha")
        repo = head.get("repo")
        name = repo.get("full_name") if isinstance(repo, dict) else None
        return (sha if isinstance(sha, str) else None), (name if isinstance(name, str) else None)


_GITLAB_STATE = {"success": "success", "failure": "failed", "pending": "pending"}


@dataclass(slots=True)
class GitLab:
    api: Api
    repository: str  # the project id (or its URL-encoded path)

    @property
    def _project(self) -> str:
        return f"/projects/{quote(self.repository, safe='')}"

    def comments(self, number: int) -> Iterator[Comment]:
        params = {"per_page": "100", "sort": "asc", "order_by": "created_at"}
        for item in self.api.paginate(f"{self._project}/merge_requests/{number}/notes", params):
            if isinstance(item, dict) and item.get("system") is True:
                continue
            if (c := _comment(item, number)) is not None:
                yield c

    def create_comment(self, number: int, body: str) -> Comment:
        url = self.api.url(f"{self._project}/merge_requests/{number}/notes")
        resp = self.api.request("POST", url, json={"body": body})
        return _comment(_json(resp), number) or Comment(0, body)

    def update_comment(self, number: int, comment_id: int, body: str) -> Comment:
        url = self.api.url(f"{self._project}/merge_requests/{number}/notes/{comment_id}")
        resp = self.api.request("PUT", url, json={"body": body})
        return _comment(_json(resp), number) or Comment(comment_id, body)

    def set_status(
        self, sha: str, context: str, state: StatusState, description: str, url: str | None
    ) -> None:
        data = {
            "state": _GITLAB_STATE[state],
            "name": context,
            "description": description[:DESCRIPTION_LIMIT],
        }
        if url:
            data["target_url"] = url
        self.api.request("POST", self.api.url(f"{self._project}/statuses/{quote(sha, safe='')}"), json=data)
