"""``kyodo residents ...``: operations on a town's residents registry (audit-chain verification)."""

from __future__ import annotations

import sys


def cmd_audit_verify(args) -> int:
    from django_tenants.utils import tenant_context

    from kyodo.tenancy.selectors import municipality_for_command
    from tenants.residents import audit

    town = municipality_for_command(args.town)
    if town is None:
        return 2
    with tenant_context(town):
        report = audit.verify(town)
    if report.ok:
        print(f"{town.name} ({town.code}) residents audit chain ok: {report.entries_checked} entries")
        return 0
    print(f"{town.name} ({town.code}) residents audit chain BROKEN at entry {report.first_broken_seq}: "
          f"{report.reason}", file=sys.stderr)
    return 1


def cmd_pii_rekey(args) -> int:
    from django_tenants.utils import tenant_context

    from kyodo.identity.principal import SystemPrincipal
    from kyodo.tenancy.selectors import municipalities_list, municipality_for_command
    from tenants.residents.services.rekey import personal_numbers_rekey

    towns = municipalities_list() if args.town == "all" else [municipality_for_command(args.town)]
    if None in towns:
        return 2
    for town in towns:
        if not town.has_application("residents"):
            continue
        with tenant_context(town):
            done = personal_numbers_rekey(actor=SystemPrincipal("cli:residents pii-rekey"), town=town)
        print(f"{town.name} ({town.code}): {done.numbers} 個人番号 rewritten, {done.already} already under the "
              f"current key, {done.pending} 仮登録 異動 rewritten")
    return 0


def register(subparsers) -> None:
    residents = subparsers.add_parser("residents", help="住民記録").add_subparsers(
        dest="residents_command", required=True)
    verify = residents.add_parser("audit-verify", help="住民記録の監査ログ（ハッシュ連鎖）を検証する")
    verify.add_argument("--town", required=True, help="団体コード（6桁）")
    verify.set_defaults(func=cmd_audit_verify)
    rekey = residents.add_parser("pii-rekey", help="個人番号を現在の鍵（KYODO_PII_KEY）で暗号化し直す")
    rekey.add_argument("--town", required=True, help="団体コード（6桁）または all")
    rekey.set_defaults(func=cmd_pii_rekey)
