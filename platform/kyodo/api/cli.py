"""``kyodo api ...``: the API's schema file and vendors' registered queries."""

from __future__ import annotations

import sys
from pathlib import Path


def cmd_schema(args) -> int:
    from .schema import SDL_PATH, sdl

    text = sdl()
    if args.write:
        SDL_PATH.write_text(text)
        print(f"wrote {SDL_PATH}")
        return 0
    if args.check:
        if SDL_PATH.read_text() != text:
            print(f"{SDL_PATH} differs from the schema: run `kyodo api schema --write`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


def cmd_persist(args) -> int:
    from django.core.exceptions import ValidationError

    from .services import persisted_query_register

    try:
        row = persisted_query_register(actor=None, client_id=args.client_id,
                                       document=Path(args.file).read_text(encoding="utf-8"), name=args.name or "")
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                print(f"{field}: {message}", file=sys.stderr)
        return 2
    print(row.sha256)
    return 0


def register(subparsers) -> None:
    api = subparsers.add_parser("api", help="連携API（GraphQL）").add_subparsers(dest="api_command", required=True)
    p = api.add_parser("schema", help="スキーマ（SDL）を表示・書き出し・照合する")
    p.add_argument("--write", action="store_true", help="schema.graphql に書き出す")
    p.add_argument("--check", action="store_true", help="schema.graphql と一致するか確かめる")
    p.set_defaults(func=cmd_schema)
    p = api.add_parser("persist", help="ベンダーの登録済みクエリを登録する（SHA-256 を表示）")
    p.add_argument("--client-id", required=True)
    p.add_argument("--name", help="クエリの名前（任意）")
    p.add_argument("file", help="クエリを書いたファイル（UTF-8）")
    p.set_defaults(func=cmd_persist)
