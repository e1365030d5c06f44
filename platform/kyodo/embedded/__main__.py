"""``python -m kyodo.embedded start|stop|postgres-url``: the embedded servers for shell scripts.

``start --for-pid PID [--redis-db N]`` starts (or reuses) the servers whose variable (DATABASE_URL,
REDIS_URL) is unset, registers PID as their user and prints the redis URL when it provided one;
``stop --for-pid PID`` stops what PID used unless another live process still uses it (without
``--for-pid``: both servers, same rule); ``postgres-url`` prints the embedded PostgreSQL's URL.
"""

from __future__ import annotations

import argparse
import os
import sys

from kyodo.config import CONFIG

from . import postgres_url, redis_url, register_user, stop_embedded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kyodo.embedded")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("--for-pid", type=int, required=True, help="the process that will use the servers")
    start.add_argument("--redis-db", type=int, default=0)
    stop = sub.add_parser("stop")
    stop.add_argument("--for-pid", type=int)
    pg = sub.add_parser("postgres-url")
    pg.add_argument("--for-pid", type=int)
    args = parser.parse_args(argv)
    state_dir = CONFIG.state_dir

    if args.command == "stop":
        services = None if args.for_pid else ("redis", "postgres")
        for line in stop_embedded(state_dir, pid=args.for_pid, services=services):
            print(line, file=sys.stderr)
        return 0
    if args.command == "postgres-url":
        url = postgres_url(state_dir)
        if args.for_pid:
            register_user(state_dir, "postgres", args.for_pid)
        print(url)
        return 0
    if not os.environ.get("DATABASE_URL"):
        postgres_url(state_dir)
        register_user(state_dir, "postgres", args.for_pid)
    if not os.environ.get("REDIS_URL"):
        url = redis_url(state_dir, db=args.redis_db)
        register_user(state_dir, "redis", args.for_pid)
        print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
