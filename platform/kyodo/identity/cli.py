"""``kyodo identity ...``: the identity provider side of onboarding, staff and vendor accounts."""

from __future__ import annotations

import sys


def _town(code: str):
    from kyodo.tenancy.selectors import municipality_for_command

    return municipality_for_command(code, option="code")


def cmd_sync_town(args) -> int:
    from .services import town_identity_ensure

    town = _town(args.code)
    if town is None:
        return 2
    ok = town_identity_ensure(code=town.code, name=town.name)
    print(f"{town.name} ({town.code}): {'認証基盤に反映しました' if ok else '認証基盤への反映に失敗しました（ログを参照）'}")
    return 0 if ok else 1


def cmd_disable_town(args) -> int:
    from .services import town_identity_disable

    town = _town(args.code)
    if town is None:
        return 2
    town_identity_disable(actor=None, code=town.code)
    print(f"{town.name} ({town.code}): 認証基盤のグループを無効にしました")
    return 0


def cmd_invite(args) -> int:
    from django.core.exceptions import ValidationError

    from kyodo.cli import _print_errors

    from .services import staff_invite

    town = _town(args.code)
    if town is None:
        return 2
    try:
        staff_invite(actor=None, town=town, username=args.username, email=args.email, role=args.role,
                     full_name=args.name or "")
    except ValidationError as exc:
        return _print_errors(exc)
    print(f"{args.username} を {town.name} の {args.role} として招待しました")
    return 0


def cmd_disable_user(args) -> int:
    from .services import staff_disable

    staff_disable(actor=None, username=args.username, reason=args.reason or "")
    print(f"{args.username} の利用を停止しました")
    return 0


def cmd_service_account(args) -> int:
    from django.core.exceptions import ValidationError

    from kyodo.cli import _print_errors

    from .services import IdentityProviderError, service_account_create

    try:
        account, secret = service_account_create(
            actor=None, client_id=args.client_id, vendor_name=args.vendor,
            municipality_codes=[c for c in args.towns.split(",") if c], datasets=[d for d in args.datasets.split(",") if d])
    except ValidationError as exc:
        return _print_errors(exc)
    except IdentityProviderError as exc:
        print(f"エラー: {exc.message}（何も登録していません）", file=sys.stderr)
        return 1
    print(f"作成しました: {account}  towns={','.join(account.municipality_codes)} datasets={','.join(account.datasets)}")
    if secret:
        print(f"client secret（一度だけ表示）: {secret}")
    return 0


def cmd_sync_vendor(args) -> int:
    from django.core.exceptions import ValidationError

    from kyodo.cli import _print_errors

    from .services import IdentityProviderError, service_account_sync

    try:
        account, secret = service_account_sync(actor=None, client_id=args.client_id)
    except ValidationError as exc:
        return _print_errors(exc)
    except IdentityProviderError as exc:
        print(f"エラー: {exc.message}", file=sys.stderr)
        return 1
    print(f"認証基盤に反映しました: {account}  towns={','.join(account.municipality_codes)} "
          f"datasets={','.join(account.datasets)}")
    if secret:
        print(f"client secret: {secret}")
    return 0


def cmd_federate_saml(args) -> int:
    """Broker a SAML IdP (Shibboleth) through the realm; the JSON file holds SamlIdp's fields plus
    "group_mappings" (attribute value → /towns/<code>/<role>). See docs/identity.md."""
    import json
    from pathlib import Path

    from integrations.keycloak import KeycloakProvisioner, provisioner_from_settings
    from integrations.keycloak.federation import SamlIdp, saml_idp_ensure

    spec = json.loads(Path(args.config).read_text())
    mappings = spec.pop("group_mappings", {})
    provisioner = provisioner_from_settings()
    if not isinstance(provisioner, KeycloakProvisioner):
        print("エラー: KYODO_KEYCLOAK_URL が設定されていません（Keycloak でのみ実行できます）。", file=sys.stderr)
        return 2
    result = saml_idp_ensure(provisioner.admin, SamlIdp(**spec), mappings)
    print(f"{spec['alias']}: 反映しました（新規マッパー {result['mappers_created']} 件）")
    return 0


def register(subparsers) -> None:
    identity = subparsers.add_parser("identity", help="認証基盤（Keycloak）").add_subparsers(
        dest="identity_command", required=True)
    sync = identity.add_parser("sync-town", help="団体のグループ・クライアントスコープを作成（冪等）")
    sync.add_argument("--code", required=True)
    sync.set_defaults(func=cmd_sync_town)
    disable = identity.add_parser("disable-town", help="団体のグループを無効化（団体の廃止・移行）")
    disable.add_argument("--code", required=True)
    disable.set_defaults(func=cmd_disable_town)
    invite = identity.add_parser("invite", help="職員を招待する")
    invite.add_argument("--code", required=True)
    invite.add_argument("--username", required=True)
    invite.add_argument("--email", required=True)
    invite.add_argument("--role", required=True, choices=[
        "counter_clerk", "approver", "section_chief", "auditor", "tax_clerk", "tax_chief"])
    invite.add_argument("--name")
    invite.set_defaults(func=cmd_invite)
    user = identity.add_parser("disable-user", help="職員の利用を停止する")
    user.add_argument("--username", required=True)
    user.add_argument("--reason")
    user.set_defaults(func=cmd_disable_user)
    vendor = identity.add_parser("service-account", help="ベンダー連携アカウントを作成する")
    vendor.add_argument("--client-id", required=True)
    vendor.add_argument("--vendor", required=True)
    vendor.add_argument("--towns", required=True, help="団体コード（カンマ区切り）")
    vendor.add_argument("--datasets", required=True, help="residents,tax,nhi,...")
    vendor.set_defaults(func=cmd_service_account)
    sync_vendor = identity.add_parser("sync-vendor", help="ベンダー連携アカウントを認証基盤に再反映する（冪等）")
    sync_vendor.add_argument("--client-id", required=True)
    sync_vendor.set_defaults(func=cmd_sync_vendor)
    saml = identity.add_parser("federate-saml", help="自治体・県の SAML IdP を Keycloak で仲介する")
    saml.add_argument("--config", required=True, help="SamlIdp の JSON（docs/identity.md 参照）")
    saml.set_defaults(func=cmd_federate_saml)
