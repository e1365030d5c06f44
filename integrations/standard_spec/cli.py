"""``kyodo town import`` and ``kyodo town onboard``: bring a town's residents in from standard-layout
files, on the command line (the run is recorded like one submitted in the console)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kyodo.identity.principal import SystemPrincipal


def _sources(paths: list[str]):
    from .residents import SourceFile
    from .services import kind_of

    sources = []
    for raw in paths:
        kind, _, path = raw.partition("=") if "=" in raw else (None, "", raw)
        path_obj = Path(path)
        kind = kind or kind_of(path_obj.name)
        if kind is None:
            print(f"エラー [files]: {path_obj.name} がどのファイル（households, persons, history, measures）か"
                  "分かりません。種類=パス の形で指定してください。", file=sys.stderr)
            return None
        sources.append(SourceFile(kind, path_obj.name, path_obj.read_bytes()))
    return sources


def _run(town, args, sources, started: float) -> int:
    from django.core.exceptions import ValidationError

    from .models import ImportStatus
    from .services import import_run_create, import_run_execute

    actor = SystemPrincipal("cli:town-import")
    try:
        run = import_run_create(actor=None, town=town, layout=args.layout, files=sources, form=args.form,
                                encoding=args.encoding or "", load_valid_part=args.load_valid_part)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"エラー [{field}]: {message}", file=sys.stderr)
        return 2
    run = import_run_execute(run_id=run.pk, actor=actor)
    if run.report and args.report:
        Path(args.report).write_text(run.report, encoding="utf-8-sig")
    elapsed = time.perf_counter() - started
    counts = run.counts
    if run.status == ImportStatus.LOADED:
        print(f"取り込みました: {town.name} ({town.code}) 世帯 {counts.get('households', 0)} 人 {counts.get('persons', 0)} "
              f"履歴 {counts.get('versions', 0)} 支援措置 {counts.get('measures', 0)} 誤り {run.issues_count} "
              f"[取込番号 {run.pk}, {elapsed:.2f}s]")
        return 0
    print(f"取り込みませんでした: 誤り {run.issues_count} 件（取込番号 {run.pk}）", file=sys.stderr)
    for line in run.report.splitlines()[1:21]:
        print(f"  {line}", file=sys.stderr)
    if not args.report:
        print("  誤りの一覧は --report ファイル名 で CSV に書き出せます。", file=sys.stderr)
    return 1


def cmd_import(args) -> int:
    from kyodo.tenancy.selectors import municipality_for_command

    started = time.perf_counter()
    town = municipality_for_command(args.code, option="code")
    if town is None:
        return 2
    sources = _sources(args.files)
    return 2 if sources is None else _run(town, args, sources, started)


def cmd_onboard(args) -> int:
    """新しい団体を一日で: create the town and import its files from ``--data DIR`` in one command."""
    from django.core.exceptions import ValidationError

    from kyodo.tenancy.services import municipality_provision

    started = time.perf_counter()
    folder = Path(args.data)
    if not folder.is_dir():
        print(f"エラー [data]: フォルダ {folder} がありません。", file=sys.stderr)
        return 2
    sources = _sources([str(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")])
    if sources is None:
        return 2
    try:
        town = municipality_provision(actor=None, code=args.code, name=args.name, name_kana=args.kana,
                                      prefecture=args.prefecture, hosts=args.host or [],
                                      applications=["residents", *(a.strip() for a in args.apps.split(",")
                                                                   if a.strip() and a.strip() != "residents")])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"エラー [{field}]: {message}", file=sys.stderr)
        return 2
    print(f"構築しました: {town.name} ({town.code}) [{time.perf_counter() - started:.2f}s]")
    return _run(town, args, sources, started)


def cmd_export(args) -> int:
    """標準レイアウトでの出力: the town's registry (or the persons changed since an outbox position) as the
    layout's files in ``--out``, streamed; audited with the purpose and the recipient."""
    from django_tenants.utils import tenant_context

    from kyodo.tenancy.selectors import municipality_for_command

    from .codec import ValueNotWritable
    from .layout import LayoutError
    from .residents import ExportRequest, export_residents

    town = municipality_for_command(args.code, option="code")
    if town is None:
        return 2
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    request = ExportRequest(purpose=args.purpose, recipient=args.recipient, entitled=args.entitled,
                            since_position=args.since)
    suffix = "csv" if args.form == "csv" else "dat"
    try:
        with tenant_context(town):
            files = export_residents(town=town, actor=SystemPrincipal("cli:town-export"), request=request,
                                     layout_name=args.layout, form=args.form, encoding=args.encoding or "utf-8")
            for kind, chunks in files.items():
                target = folder / f"{kind}.{suffix}"
                partial = target.with_suffix(".partial")
                with partial.open("wb") as handle:
                    for chunk in chunks:
                        handle.write(chunk)
                partial.replace(target)
                print(f"{target}")
    except (LayoutError, ValueError) as exc:
        message = exc.message_ja if isinstance(exc, ValueNotWritable) else str(exc)
        print(f"エラー: {message}", file=sys.stderr)
        return 2
    print(f"出力しました: {town.name} ({town.code}) [{time.perf_counter() - started:.2f}s]")
    return 0


def _common(p) -> None:
    p.add_argument("--layout", default="chukan-2.7", help="レイアウト（既定 chukan-2.7）")
    p.add_argument("--form", default="csv", choices=["csv", "fixed"], help="CSV か固定長")
    p.add_argument("--encoding", help="文字コード（utf-8 / cp932）。省略時は判定")
    p.add_argument("--load-valid-part", action="store_true", help="誤りのある世帯を除いて取り込む")
    p.add_argument("--report", help="誤りの一覧を書き出す CSV ファイル")


def register_town(town_subparsers) -> None:
    p = town_subparsers.add_parser("import", help="標準レイアウトのファイルから住民記録を取り込む")
    p.add_argument("--code", required=True, help="団体コード")
    _common(p)
    p.add_argument("files", nargs="+", help="ファイル（名前に households/persons/history/measures を含むか、種類=パス）")
    p.set_defaults(func=cmd_import)
    p = town_subparsers.add_parser("onboard", help="団体を構築し、--data のファイルを取り込む（一度に）")
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--kana", required=True)
    p.add_argument("--prefecture")
    p.add_argument("--host", action="append")
    p.add_argument("--data", required=True, help="ファイルを置いたフォルダ")
    p.add_argument("--apps", default="residents",
                   help="利用業務（カンマ区切り: residents,nhi,tax,...）; 住民記録 (residents) は常に含まれる")
    _common(p)
    p.set_defaults(func=cmd_onboard)
    p = town_subparsers.add_parser("export", help="住民記録を標準レイアウトのファイルに出力する")
    p.add_argument("--code", required=True)
    p.add_argument("--out", required=True, help="出力先フォルダ")
    p.add_argument("--purpose", required=True, help="出力の目的（監査ログに記録）")
    p.add_argument("--recipient", required=True, help="提供先（監査ログに記録）")
    p.add_argument("--entitled", action="store_true",
                   help="提供先が支援措置対象者の住所を扱える（団体の移行など）。省略時は住所等を空欄にする")
    p.add_argument("--since", type=int, help="この送信箱の位置より後に異動した者だけ（差分）")
    p.add_argument("--layout", default="chukan-2.7")
    p.add_argument("--form", default="csv", choices=["csv", "fixed"])
    p.add_argument("--encoding", default="utf-8", help="utf-8（BOM付き）か cp932")
    p.set_defaults(func=cmd_export)
