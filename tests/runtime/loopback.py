"""A raw HTTP/1.1 server on a loopback socket, for tests that need a server to misbehave exactly.

Each test gives an ``async def answer(request, writer)``: it may answer, hang, reset the connection,
send half a body. The token endpoint (``/oauth2/token``) is answered for it, so ``connect()`` works
against the server as against PlantPredict. Requests are recorded, so a test can count what
reached the server (a POST retried, a replay's body).
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from attrs import define, field

from plantpredict_auth import ClientCredentials


@define
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Answer = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@define
class Server:
    base_url: str
    requests: list[Request] = field(factory=list)
    token_requests: int = 0

    def api_requests(self) -> list[Request]:
        return [r for r in self.requests if not r.path.endswith("/oauth2/token")]

    def credentials(self) -> ClientCredentials:
        return ClientCredentials("loopback-id", "loopback-secret", token_url=f"{self.base_url}/oauth2/token")


async def read_request(reader: asyncio.StreamReader, *, body: bool = True) -> Request | None:
    head = await reader.readuntil(b"\r\n\r\n")
    if not head:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    length = int(headers.get("content-length", "0"))
    content = await reader.readexactly(length) if body and length else b""
    return Request(method, target, headers, content)


def response_bytes(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_answer(status: int, payload: Any) -> bytes:
    return response_bytes(status, json.dumps(payload).encode(), {"Content-Type": "application/json; charset=utf-8"})


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed server or a load balancer does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


TOKEN = json.dumps({"access_token": "loopback-token", "token_type": "Bearer", "expires_in": 3600}).encode()


@asynccontextmanager
async def serving(
    answer: Answer, *, read_body: bool = True, tls: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    """Serve on 127.0.0.1 (HTTPS when ``tls`` is given); every connection keeps being served until
    the answer closes it."""
    server: Server | None = None
    tasks: set[asyncio.Task[None]] = set()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert server is not None
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]  # always inside a task here
        try:
            while not writer.is_closing():
                request = await read_request(reader, body=read_body)
                if request is None:
                    return
                server.requests.append(request)
                if request.path.endswith("/oauth2/token"):
                    server.token_requests += 1
                    writer.write(response_bytes(200, TOKEN, {"Content-Type": "application/json"}))
                    await writer.drain()
                    continue
                await answer(request, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    listener = await asyncio.start_server(connection, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    server = Server(f"{'https' if tls else 'http'}://127.0.0.1:{port}")
    try:
        yield server
    finally:
        listener.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await listener.wait_closed()


async def ok_project(request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(json_answer(200, {"id": 1, "name": "Loopback"}))
    await writer.drain()


async def never_answer(request: Request, writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def reset_after_request(request: Request, writer: asyncio.StreamWriter) -> None:
    reset(writer)


async def truncated_body(request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id": 1')
    await writer.drain()
    writer.close()
