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


def register(subparsers) -> None:
    residents = subparsers.add_parser("residents", help="住民記録").add_subparsers(
        dest="residents_command", required=True)
    verify = residents.add_parser("audit-verify", help="住民記録の監査ログ（ハッシュ連鎖）を検証する")
    verify.add_argument("--town", required=True, help="団体コード（6桁）")
    verify.set_defaults(func=cmd_audit_verify)
