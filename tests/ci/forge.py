"""Fake GitHub and GitLab REST servers on 127.0.0.1 for the endpoints ``perfgate ci`` uses.

They follow the documented behaviour: GitHub lists a pull request's issue comments ``per_page``
(default 30, at most 100) with ``Link`` headers (``next``, ``last``, ``first``, ``prev``), answers 401
without a valid token, 403 ``Resource not accessible by integration`` for a read-only token's writes, 404
for an unknown repository, pull request or comment, 422 for an invalid status state or an over-long check
summary. GitLab pages notes with ``X-Page``, ``X-Next-Page``, ``X-Total`` and ``Link``, authenticates by
``PRIVATE-TOKEN`` or ``JOB-TOKEN``. Every request is recorded (method, path, query, headers, JSON body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class State:
    """What the fake forge holds; tests seed it and read what was received."""

    tokens: dict[str, str] = field(default_factory=dict)  # token -> "write" | "read" | "nochecks"
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # PR/MR number -> comments
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)  # number -> {"sha":, "repo":}
    statuses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    next_id: int = 1000
    fail_next: list[tuple[str, int]] = field(
        default_factory=list
    )  # (method, status): answer the next such request so
    link_base: str | None = None  # where Link headers point (default: this server)

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method != "GET"]

    def add_comment(self, number: int, body: str, user: str = "someone") -> dict[str, Any]:
        self.next_id += 1
        c = {"id": self.next_id, "body": body, "user": {"login": user}, "system": False}
        c["html_url"] = f"https://forge.example/pr/{number}#c{self.next_id}"
        self.comments.setdefault(number, []).append(c)
        return c


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _go(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        req = Request(
            self.command, unquote(parts.path), query, {k.lower(): v for k, v in self.headers.items()}, body
        )
        state = self.server.state
        with self.server.lock:
            state.requests.append(req)
            if state.fail_next and state.fail_next[0][0] == req.method:
                status, data, headers = state.fail_next.pop(0)[1], {"message": "Server Error"}, {}
                if status == 403:  # GitHub's primary rate limit
                    data = {"message": "API rate limit exceeded for installation ID 1."}
                    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}
            else:
                status, data, headers = self.server.app(state, req, state.link_base or self._base())
        out = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(out)

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    do_GET = do_POST = do_PATCH = do_PUT = _go


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Any, state: State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.state = state
        self.lock = threading.Lock()


Answer = tuple[int, Any, dict[str, str]]


def _page(items: list[Any], req: Request, max_per: int, default_per: int) -> tuple[list[Any], int, int, int]:
    per = min(max_per, max(1, int(req.query.get("per_page", default_per))))
    page = max(1, int(req.query.get("page", 1)))
    last = max(1, -(-len(items) // per))
    return items[(page - 1) * per : page * per], page, last, per


def _link(base: str, req: Request, page: int, last: int) -> str:
    def url(p: int) -> str:
        return f"<{base}{req.path}?{urlencode({**req.query, 'page': str(p)})}>"

    rels = []
    if page < last:
        rels += [f'{url(page + 1)}; rel="next"', f'{url(last)}; rel="last"']
    if page > 1:
        rels += [f'{url(1)}; rel="first"', f'{url(page - 1)}; rel="prev"']
    return ", ".join(rels)


def github(state: State, req: Request, base: str) -> Answer:
    auth = req.headers.get("authorization", "")
    token = auth.split(" ", 1)[1] if auth.startswith(("Bearer ", "token ")) else None
    if token is None:
        return 401, {"message": "Requires authentication"}, {}
    role = state.tokens.get(token)
    if role is None:
        return 401, {"message": "Bad credentials"}, {}
    parts = req.path.strip("/").split("/")
    if parts[:3] != ["repos", "octo", "demo"]:
        return 404, {"message": "Not Found"}, {}
    rest = parts[3:]
    if req.method != "GET" and role == "read":
        return 403, {"message": "Resource not accessible by integration"}, {}
    if rest[:1] == ["issues"] and len(rest) == 3 and rest[2] == "comments":
        number = int(rest[1])
        if number not in state.pulls:
            return 404, {"message": "Not Found"}, {}
        items = state.comments.setdefault(number, [])
        if req.method == "GET":
            page, n, last, _ = _page(items, req, 100, 30)
            link = _link(base, req, n, last)
            return 200, page, ({"Link": link} if link else {})
        if req.method == "POST":
            return 201, state.add_comment(number, req.body["body"], user="github-actions[bot]"), {}
    if rest[:2] == ["issues", "comments"] and len(rest) == 3 and req.method == "PATCH":
        for items in state.comments.values():
            for c in items:
                if c["id"] == int(rest[2]):
                    c["body"] = req.body["body"]
                    return 200, c, {}
        return 404, {"message": "Not Found"}, {}
    if rest[:1] == ["statuses"] and req.method == "POST":
        if req.body.get("state") not in ("error", "failure", "pending", "success"):
            return 422, {"message": "Validation Failed"}, {}
        state.statuses.append((rest[1], req.body))
        return 201, {"id": len(state.statuses), **req.body}, {}
    if rest == ["check-runs"] and req.method == "POST":
        if role == "nochecks":
            return 403, {"message": "Resource not accessible by integration"}, {}
        if len(req.body["output"]["summary"]) > 65535:
            return 422, {"message": "Invalid request. Only 65535 characters are allowed."}, {}
        state.check_runs.append(req.body)
        return 201, {"id": len(state.check_runs), **req.body}, {}
    if rest[:1] == ["pulls"] and len(rest) == 2 and req.method == "GET":
        pull = state.pulls.get(int(rest[1]))
        if pull is None:
            return 404, {"message": "Not Found"}, {}
        return (
            200,
            {"number": int(rest[1]), "head": {"sha": pull["sha"], "repo": {"full_name": pull["repo"]}}},
            {},
        )
    return 404, {"message": "Not Found"}, {}


def gitlab(state: State, req: Request, base: str) -> Answer:
    token = req.headers.get("private-token") or req.headers.get("job-token")
    if token is None or token not in state.tokens:
        return 401, {"message": "401 Unauthorized"}, {}
    role = state.tokens[token]
    parts = req.path.strip("/").split("/")
    if parts[:4] != ["api", "v4", "projects", "42"]:
        return 404, {"message": "404 Project Not Found"}, {}
    rest = parts[4:]
    if req.method != "GET" and role == "read":
        return 403, {"message": "403 Forbidden"}, {}
    if rest[:1] == ["merge_requests"] and len(rest) >= 3 and rest[2] == "notes":
        number = int(rest[1])
        if number not in state.pulls:
            return 404, {"message": "404 Not found"}, {}
        items = state.comments.setdefault(number, [])
        if req.method == "GET" and len(rest) == 3:
            page, n, last, per = _page(items, req, 100, 20)
            headers = {"X-Page": str(n), "X-Per-Page": str(per), "X-Total": str(len(items))}
            headers["X-Next-Page"] = str(n + 1) if n < last else ""
            if link := _link(base, req, n, last):
                headers["Link"] = link
            return 200, page, headers
        if req.method == "POST" and len(rest) == 3:
            return 201, state.add_comment(number, req.body["body"], user="perfgate-bot"), {}
        if req.method == "PUT" and len(rest) == 4:
            for c in items:
                if c["id"] == int(rest[3]):
                    c["body"] = req.body["body"]
                    return 200, c, {}
            return 404, {"message": "404 Not found"}, {}
    if rest[:1] == ["statuses"] and req.method == "POST":
        if req.body.get("state") not in ("pending", "running", "success", "failed", "canceled", "skipped"):
            return 400, {"message": "state does not have a valid value"}, {}
        state.statuses.append((rest[1], req.body))
        return 201, {"id": len(state.statuses), **req.body}, {}
    return 404, {"message": "404 Not Found"}, {}


@contextmanager
def serve(app: Any) -> Iterator[tuple[str, State]]:
    """A running fake forge: its base URL and its state."""
    state = State()
    server = _Server(app, state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
