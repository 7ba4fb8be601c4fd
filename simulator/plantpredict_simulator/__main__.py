"""`python -m plantpredict_simulator`: serve the simulator with uvicorn on a loopback address.

The first line on stdout is `simulator listening on http://HOST:PORT` (flushed once the socket listens,
so a parent process can read the port when it asked for port 0); the second names the credentials.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
import sys
from collections.abc import Sequence

import uvicorn

from plantpredict_simulator._app import create_app
from plantpredict_simulator._config import (
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    ConfigError,
    Faults,
    RouteFaults,
    SimulatorConfig,
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m plantpredict_simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--admin", action="store_true", help="enable the /_sim/ admin API")
    parser.add_argument("--token-lifetime", type=float, default=3600.0, metavar="S")
    parser.add_argument("--run-seconds", type=float, default=2.0, metavar="S")
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="MS", help="on every API route")
    parser.add_argument("--rate-429", type=float, default=0.0, metavar="F", help="fraction of API requests")
    parser.add_argument("--rate-5xx", type=float, default=0.0, metavar="F", help="fraction of API requests")
    parser.add_argument("--drop-rate", type=float, default=0.0, metavar="F", help="processed, then dropped")
    parser.add_argument("--failed-run-rate", type=float, default=0.0, metavar="F")
    parser.add_argument("--token-rate-limit", type=int, default=4, metavar="N", help="per username per second")
    parser.add_argument("--empty-library", action="store_true", help="start without the seed module/inverter/weather")
    parser.add_argument("--username", default=None)
    parser.add_argument("--password", default=None)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> SimulatorConfig:
    route = RouteFaults(
        latency_ms=args.latency_ms, rate_429=args.rate_429, rate_5xx=args.rate_5xx, drop_rate=args.drop_rate
    )
    routes = {"*": route} if route != RouteFaults() else {}
    config = SimulatorConfig(
        token_lifetime=args.token_lifetime,
        run_seconds=args.run_seconds,
        seed=args.seed,
        admin=args.admin,
        token_rate_limit=args.token_rate_limit,
        faults=Faults(routes=routes, failed_run_rate=args.failed_run_rate),
        seed_library=not args.empty_library,
    )
    for name in ("username", "password", "client_id", "client_secret"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    return config


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ExpectedDropFilter(logging.Filter):
    """An injected drop makes uvicorn log "returned without completing response": that is the point."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not is_loopback(args.host):
        print(f"error: refusing to bind {args.host}: the simulator listens on loopback addresses only", file=sys.stderr)
        return 2
    try:
        config = build_config(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    # Listen before announcing the port: a client that connects at once waits in the backlog.
    sock.listen(2048)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    print(f"simulator listening on http://{shown_host}:{port}", flush=True)
    password = config.password if config.password == DEFAULT_PASSWORD else "<as given>"
    secret = config.client_secret if config.client_secret == DEFAULT_CLIENT_SECRET else "<as given>"
    print(
        f"credentials: username={config.username} password={password} "
        f"client_id={config.client_id} client_secret={secret}",
        flush=True,
    )
    logging.getLogger("uvicorn.error").addFilter(_ExpectedDropFilter())
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            log_level=args.log_level,
            # Access lines would carry query strings, and the official SDK puts its client secret there.
            access_log=False,
            lifespan="off",
            backlog=2048,
        )
    )
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
