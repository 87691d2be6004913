"""A small HTTP/1.1 server for the load tests, run as its own process on 127.0.0.1.

``python server.py [--delay SECONDS] [--status CODE] [--stall-after N]``: answers every request
with ``CODE`` after ``--delay``; with ``--stall-after N`` the N-th request starts a one-second stall
during which no request is answered (the server stalls once, as a garbage collection or a lock would).
Prints its port on the first line of stdout once it listens.
"""

import argparse
import asyncio
import time

parser = argparse.ArgumentParser()
parser.add_argument("--delay", type=float, default=0.0)
parser.add_argument("--status", type=int, default=200)
parser.add_argument("--stall-after", type=int, default=0)
args = parser.parse_args()

seen = 0
stall_until = 0.0
REASONS = {200: "OK", 201: "Created", 404: "Not Found", 500: "Internal Server Error", 503: "Unavailable"}
BODY = b"hello"


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global seen, stall_until
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            seen += 1
            if args.stall_after and seen == args.stall_after:
                stall_until = time.monotonic() + 1.0
            wait = max(args.delay, stall_until - time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
            reason = REASONS.get(args.status, "Status")
            writer.write(
                f"HTTP/1.1 {args.status} {reason}\r\nContent-Length: {len(BODY)}\r\n\r\n".encode() + BODY
            )
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
