"""Real receivers on 127.0.0.1: an HTTP server recording what it is sent (answering with the statuses
it is told, then 200) and an SMTP server (aiosmtpd) keeping the messages it gets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Receiver:
    url: str
    # answered first, in order (0: no answer for 3 s, longer than the client waits); then 200
    statuses: list[int] = field(default_factory=list)
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)  # (path, headers, body)
    tries: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec.tries += 1
            status = rec.statuses.pop(0) if rec.statuses else 200
            if status == 0:
                time.sleep(3.0)
                self.close_connection = True
                return
            if status == 200:
                rec.posts.append((self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)  # (from, to, message)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox(port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class TlsMailbox(Mailbox):
    cafile: str = ""
    logins: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def tls_mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsMailbox]:
    """An SMTP server that requires STARTTLS (a self-signed certificate for 127.0.0.1 made by openssl)
    and a login before it accepts mail."""
    import ssl
    import subprocess

    from aiosmtpd.smtp import AuthResult, LoginPassword

    d = tmp_path_factory.mktemp("smtp-tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = TlsMailbox(port, cafile=str(cert))

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"perf", b"pw-1234")
        if ok:
            box.logins.append((data.login.decode(), mechanism))
        return AuthResult(success=ok)

    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
        authenticator=authenticate, auth_require_tls=True, server_hostname="127.0.0.1",
    )  # fmt: skip
    controller.start()
    yield box
    controller.stop()
