"""``perfgate serve``: the dashboard's pages over HTTP, rendered from the store on each request.

Read-only: GET and HEAD only (anything else is 405), the store opened read-only by every read of
:mod:`perfgate.app`. Every response carries the Content-Security-Policy (no inline script, no frames)
and ``nosniff``; on a loopback address only loopback host names are answered, so a web page cannot
read the dashboard through DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from perfgate import app
from perfgate.dashboard.site import CSP, Page, Site
from perfgate.errors import NotFoundError, PerfgateError, UsageError
from perfgate.urls import is_url

__all__ = ["make_app", "serve"]

_HEADERS = [
    (b"content-security-policy", f"{CSP}; frame-ancestors 'none'".encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class _SecurityHeaders:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.inner(scope, receive, send_with_headers)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _store_version(ws: app.Workspace) -> tuple[int, ...]:
    """What changes when a SQLite store is written: its files' sizes and mtimes; () for a URL."""
    if is_url(ws.url):
        return ()
    out: list[int] = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(ws.url + suffix)
        except OSError:
            out += [-1, -1]
        else:
            out += [st.st_size, st.st_mtime_ns]
    return tuple(out)


def make_app(ws: app.Workspace, *, loopback_only: bool = True) -> Starlette:
    """The dashboard as an ASGI application over ``ws``'s store."""

    cache: dict[tuple[int, ...], Site] = {}
    lock = threading.Lock()

    def current_site() -> Site:
        """The pages' data, read again only when the store changed since (a SQLite file's and its
        write-ahead log's size and mtime; a server database is read on every request)."""
        key = _store_version(ws)
        with lock:
            site = cache.get(key) if key else None
            if site is None:
                site = Site(ws, live=True)
                cache.clear()
                if key:
                    cache[key] = site
            return site

    def render(path: str, query: dict[str, str]) -> Page:
        if path.startswith("static/"):
            return Site.static_page(path.removeprefix("static/"))
        return current_site().page(path, query)

    async def page(request: Request) -> Response:
        path = request.path_params.get("path", "")
        try:
            result = await run_in_threadpool(render, path, dict(request.query_params))
        except NotFoundError as exc:
            return PlainTextResponse(f"404 {exc}", status_code=404)
        except PerfgateError as exc:
            return PlainTextResponse(f"perfgate: {exc}", status_code=500)
        return Response(result.body, media_type=result.media_type)

    middleware = [Middleware(_SecurityHeaders)]
    if loopback_only:
        middleware.append(
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"])
        )
    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "HEAD"])], middleware=middleware)


def serve(ws: app.Workspace, host: str, port: int, *, announce: Callable[[str], object]) -> None:
    """Serve until interrupted. The store is read once first, so a missing or damaged store is said
    at once (one line) instead of on the first page."""
    import uvicorn

    Site(ws, live=True)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # connections wait in the backlog until the server accepts them
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    config = uvicorn.Config(
        make_app(ws, loopback_only=_is_loopback(host)), log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    announce(f"http://{shown}:{bound}/ (read-only; Ctrl-C stops)")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
