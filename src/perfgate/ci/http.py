"""A small REST client for the forges: timeouts, retries where they are safe, errors that name the cause
and the fix, and never the token.

Retries: a read (GET) or an idempotent write (PATCH, PUT) is retried on a connection error, a 429 or a
502/503/504 (honouring ``Retry-After`` up to :data:`MAX_WAIT` seconds); a POST is never retried, since
the first may have been applied (a comment posted twice is worse than a warning).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from perfgate.errors import ForgeError

__all__ = ["Api", "ApiError"]

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
ATTEMPTS = 3
MAX_WAIT = 10.0
MAX_PAGES = 1000
_RETRY_STATUS = frozenset({429, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "PATCH", "PUT"})


class ApiError(ForgeError):
    """The forge answered with an error status (``status``), or could not be reached (``status`` 0)."""

    def __init__(self, message: str, status: int, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.rate_limited = rate_limited


@dataclass(slots=True)
class Api:
    """One forge's REST API at ``base`` with ``headers`` (the token's among them)."""

    base: str
    headers: dict[str, str]
    forge: str  # "GitHub" or "GitLab", for messages
    token: str | None = None  # only to keep it out of messages
    sleep: Callable[[float], None] = time.sleep
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(headers=self.headers, timeout=TIMEOUT, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        return text.replace(self.token, "[redacted token]") if self.token else text

    def url(self, path: str) -> str:
        return self.base + path

    def request(
        self, method: str, url: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """The response to ``method url`` (2xx), or an :class:`ApiError`."""
        if not self._same_origin(url):
            raise ApiError(
                f"{self.forge} pointed to {self.redact(url)}, outside {self.base}: not followed", 0
            )
        attempts = ATTEMPTS if method in _IDEMPOTENT else 1
        for attempt in range(1, attempts + 1):
            try:
                resp = self.client.request(method, url, json=json, params=params)
            except httpx.HTTPError as exc:
                if attempt < attempts:
                    self.sleep(min(MAX_WAIT, 2.0**attempt))
                    continue
                raise ApiError(
                    f"cannot reach the {self.forge} API at {self.base} ({self.redact(type(exc).__name__)}: "
                    f"{self.redact(str(exc))}); check the API URL variable and the network",
                    0,
                ) from None
            if resp.status_code in _RETRY_STATUS and attempt < attempts:
                self.sleep(_retry_after(resp, attempt))
                continue
            if resp.is_success:
                return resp
            limited = resp.status_code in (403, 429) and resp.headers.get("X-RateLimit-Remaining") == "0"
            raise ApiError(self._message(method, url, resp), resp.status_code, rate_limited=limited)
        raise AssertionError("unreachable")  # pragma: no cover

    def paginate(self, path: str, params: dict[str, str]) -> Iterator[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"`` (or GitLab's ``X-Next-Page``)."""
        url: str | None = self.url(path)
        query: dict[str, str] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            resp = self.request("GET", url, params=query)
            try:
                items = resp.json()
            except ValueError:
                raise ApiError(
                    f"{self.forge} answered {path} with something that is not JSON", resp.status_code
                ) from None
            if not isinstance(items, list):
                raise ApiError(f"{self.forge} answered {path} with no list", resp.status_code)
            yield from items
            nxt = resp.links.get("next", {}).get("url")
            if nxt:
                url, query = str(resp.url.join(nxt)), None
            elif (page := resp.headers.get("X-Next-Page", "").strip()).isdecimal():
                url, query = self.url(path), {**params, "page": page}
            else:
                url = None
        raise ApiError(f"{self.forge} listed more than {MAX_PAGES} pages of {path}: stopped", 0)

    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.base)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _message(self, method: str, url: str, resp: httpx.Response) -> str:
        path = urlsplit(url).path
        what = f"{self.forge} answered {method} {path} with {resp.status_code} {resp.reason_phrase}"
        detail = ""
        try:
            body = resp.json()
            if isinstance(body, dict) and isinstance(body.get("message"), str):
                detail = f" ({body['message'][:200]})"
        except ValueError:
            pass
        return self.redact(what + detail)


def _retry_after(resp: httpx.Response, attempt: int) -> float:
    value = resp.headers.get("Retry-After", "")
    try:
        return min(MAX_WAIT, max(0.0, float(value)))
    except ValueError:
        return min(MAX_WAIT, 2.0**attempt)
