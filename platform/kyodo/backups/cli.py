"""``kyodo backup run|restore|drill|list``: handlers run after django.setup(); thin over services."""

from __future__ import annotations

import sys


def _town(code: str):
    from kyodo.tenancy.selectors import municipality_for_command

    return municipality_for_command(code, option="town")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KiB"


def cmd_run(args) -> int:
    from kyodo.backups import services
    from kyodo.backups.errors import BackupFailed, BackupRefused
    from kyodo.tenancy.selectors import municipalities_list

    towns = list(municipalities_list()) if args.all else [_town(args.town)]
    if None in towns:
        return 2
    worst = 0
    for town in towns:
        try:
            run = services.backup_run(town=town, chunk_size=args.chunk_bytes)
        except BackupRefused as exc:
            print(f"エラー: {exc.message}", file=sys.stderr)
            worst = max(worst, 2)
            continue
        except BackupFailed as exc:
            print(f"失敗: {exc.message}", file=sys.stderr)
            worst = max(worst, 1)
            continue
        print(f"{town.code}\t{run.get_status_display()}\t{run.backup_id}\t{run.chunk_count} chunks\t"
              f"{_size(run.dump_bytes)} -> {_size(run.stored_bytes)}\t{run.duration_seconds:.2f}s\t"
              f"{','.join(run.stores)}")
        if run.error:
            print(f"警告: {run.error}", file=sys.stderr)
            worst = max(worst, 1)
    return worst


def cmd_restore(args) -> int:
    from kyodo.backups import services
    from kyodo.backups.errors import RestoreRefused

    try:
        result = services.backup_restore(town_code=args.town, store_names=args.from_stores.split(","),
                                         as_new_schema=args.as_new_schema, backup_id=args.backup_id)
    except RestoreRefused as exc:
        print(f"復元を中止しました: {exc.message}", file=sys.stderr)
        return 1
    rows = sum(t["rows"] for t in result.tables.values())
    print(f"復元しました: 団体 {result.town_code} バックアップ {result.backup_id} → スキーマ {result.target_schema} "
          f"（{'+'.join(result.stores)}、{len(result.tables)} 表 {rows} 行、チェックサム一致、{result.seconds:.2f}s）")
    return 0


def cmd_drill(args) -> int:
    from kyodo.backups import services

    town = _town(args.town)
    if town is None:
        return 2
    names = args.from_stores.split(",") if args.from_stores else None
    drill = services.backup_drill(town=town, store_names=names, backup_id=args.backup_id)
    for table, row in drill.report.get("tables", {}).items():
        live = "一致" if row["matches_live_source"] else "現行データはバックアップ後に変更あり"
        print(f"  {table}\t{row['rows']} 行\tmd5={row['md5']}\tバックアップ時と一致\t現行: {live}")
    if drill.ok:
        print(f"リストア訓練 成功: {town.name}（{town.code}） {drill.backup_id} "
              f"{'+'.join(drill.stores)} {drill.tables_compared} 表 {drill.duration_seconds:.2f}s "
              f"（訓練用スキーマ {drill.report['scratch_schema']} は削除済み）")
        return 0
    print(f"リストア訓練 失敗: {town.name}（{town.code}）: {drill.error}", file=sys.stderr)
    return 1


def cmd_list(args) -> int:
    from kyodo.backups.selectors import backup_runs_list

    for run in backup_runs_list(town_code=args.town, limit=args.limit):
        duration = f"{run.duration_seconds:.2f}s" if run.duration_seconds is not None else "-"
        print(f"{run.town_code}\t{run.backup_id}\t{run.status}\t{_size(run.stored_bytes)}\t{duration}\t"
              f"{','.join(run.stores) or '-'}\t{run.error}")
    return 0


def _with_stores(handler):
    """Run ``handler`` with the demo's local stores when nothing else is configured (debug only)."""

    def wrapped(args) -> int:
        from kyodo.backups.embedded import use_running_demo_stores

        use_running_demo_stores()
        return handler(args)

    return wrapped


def register(subparsers) -> None:
    backup = subparsers.add_parser("backup", help="バックアップ（3ストアに秘密分散）").add_subparsers(
        dest="backup_command", required=True)
    run = backup.add_parser("run", help="バックアップを取得する")
    target = run.add_mutually_exclusive_group(required=True)
    target.add_argument("--town", help="団体コード")
    target.add_argument("--all", action="store_true", help="全団体")
    run.add_argument("--chunk-bytes", type=int, default=None)
    run.set_defaults(func=_with_stores(cmd_run))

    restore = backup.add_parser("restore", help="任意の2ストアから復元する")
    restore.add_argument("--town", required=True)
    restore.add_argument("--from", dest="from_stores", required=True, help="例: store-a,store-c")
    restore.add_argument("--as-new-schema", default=None, help="別名のスキーマに復元する")
    restore.add_argument("--backup-id", default=None, help="省略時は最新")
    restore.set_defaults(func=_with_stores(cmd_restore))

    drill = backup.add_parser("drill", help="リストア訓練（一時スキーマに復元して比較し、削除する）")
    drill.add_argument("--town", required=True)
    drill.add_argument("--from", dest="from_stores", default=None, help="省略時は週ごとに組を交代")
    drill.add_argument("--backup-id", default=None)
    drill.set_defaults(func=_with_stores(cmd_drill))

    listing = backup.add_parser("list", help="バックアップ履歴")
    listing.add_argument("--town", default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=cmd_list)
