"""Writes for identity: token groups → memberships, staff invitation and disabling, vendor service accounts."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kyodo import registry
from kyodo.audit.services import platform_audit_record
from kyodo.tenancy.models import Municipality

from .models import ServiceAccount, StaffMembership, StaffRole
from .permissions import TOWN_ROLES

log = logging.getLogger(__name__)

# Keycloak group paths (Group Membership mapper, "full group path" on):
#   /towns/<団体コード>/<role>      staff of one town, e.g. /towns/412066/counter_clerk
#   /consortium/prefecture_admin   県管理者 (console only)
TOWN_GROUP = re.compile(r"^/towns/(?P<code>\d{6})/(?P<role>[a-z_]+)$")
PREFECTURE_ADMIN_GROUP = "/consortium/prefecture_admin"


def town_group_path(code: str, role: str) -> str:
    return f"/towns/{code}/{role}"


def groups_to_grants(groups: Iterable[str]) -> set[tuple[str | None, str]]:
    """{(団体コード or None, role)} named by the token's groups; anything else is ignored."""
    grants: set[tuple[str | None, str]] = set()
    for group in groups:
        if group == PREFECTURE_ADMIN_GROUP:
            grants.add((None, StaffRole.PREFECTURE_ADMIN.value))
            continue
        match = TOWN_GROUP.match(group)
        if match and match["role"] in {r.value for r in TOWN_ROLES}:
            grants.add((match["code"], match["role"]))
    return grants


def membership_sync_from_groups(*, user, groups: Iterable[str], source: str) -> dict[str, list[str]]:
    """Make the user's active memberships exactly those the token's groups name (for towns we know).
    Memberships no longer named are deactivated, not deleted, so the history stays readable."""
    grants = groups_to_grants(groups)
    codes = {code for code, _ in grants if code}
    towns = {t.code: t for t in Municipality.objects.filter(code__in=codes)}
    unknown = sorted(codes - set(towns))
    if unknown:
        log.warning("token of %s names unknown towns %s", user.username, unknown)
    wanted = {(towns[code].pk if code else None, role) for code, role in grants if code is None or code in towns}
    added: list[str] = []
    removed: list[str] = []
    with transaction.atomic():
        existing = {(m.municipality_id, m.role): m
                    for m in StaffMembership.objects.select_for_update().filter(user=user)
                    .exclude(role=StaffRole.VENDOR)}
        for key, membership in existing.items():
            if key not in wanted and membership.active:
                membership.active = False
                membership.save(update_fields=["active"])
                removed.append(f"{key[0] or '-'}:{key[1]}")
        for key in wanted:
            current = existing.get(key)
            if current is None:
                StaffMembership.objects.create(user=user, municipality_id=key[0], role=key[1], active=True)
                added.append(f"{key[0] or '-'}:{key[1]}")
            elif not current.active:
                current.active = True
                current.save(update_fields=["active"])
                added.append(f"{key[0] or '-'}:{key[1]}")
        if added or removed:
            platform_audit_record(actor=user, action="identity.membership_sync", target_type="user",
                                  target_id=user.username[:64],
                                  detail={"source": source, "added": sorted(added), "removed": sorted(removed)})
    return {"added": added, "removed": removed}


def _provisioner():
    from integrations.keycloak import provisioner_from_settings

    return provisioner_from_settings()


def staff_invite(*, actor, town: Municipality, username: str, email: str, role: str,
                 full_name: str = "") -> None:
    """職員の招待: create (or reuse) the account in the identity provider, put it in the town's role group
    and send it the "set your password" e-mail. Our own membership follows from the token at login."""
    if role not in {r.value for r in TOWN_ROLES}:
        raise ValidationError({"role": f"役割「{role}」は団体職員の役割ではありません。"})
    if not username or not email:
        raise ValidationError({"username": "ユーザー名とメールアドレスを入力してください。"})
    _provisioner().staff_invite(username=username, email=email, full_name=full_name,
                                group_path=town_group_path(town.code, role))
    platform_audit_record(actor=actor, action="identity.staff_invite", municipality_code=town.code,
                          target_type="user", target_id=username[:64], detail={"role": role})


def staff_disable(*, actor, username: str, reason: str = "") -> None:
    """職員の利用停止: disable the account at the identity provider (ends its sessions there) and deactivate
    every membership here at once, so the refusal does not wait for the next session re-check."""
    _provisioner().staff_disable(username=username)
    with transaction.atomic():
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            StaffMembership.objects.filter(user=user, active=True).update(active=False)
        platform_audit_record(actor=actor, action="identity.staff_disable", target_type="user",
                              target_id=username[:64], purpose=reason)


class IdentityProviderError(Exception):
    """The identity provider refused or did not answer; ``message`` is for staff (Japanese), the cause is
    chained and logged. Nothing of ours was committed, so the same call may simply be repeated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _service_account_scopes(account: ServiceAccount) -> list[str]:
    return [f"town-{c}" for c in account.municipality_codes] + [f"dataset-{d}" for d in account.datasets]


def service_account_create(*, actor, client_id: str, vendor_name: str, municipality_codes: Iterable[str],
                           datasets: Iterable[str]) -> tuple[ServiceAccount, str | None]:
    """ベンダー連携アカウントの作成: our record plus a confidential client (client credentials) at the
    identity provider with one client scope per town (``town-<code>``) and per dataset (``dataset-<name>``).
    Returns the account and the client secret (shown once, never stored here).

    The IdP call runs inside our transaction, after the insert (whose unique client id holds off a
    concurrent create of the same id) and before the audit record (so the audit chain is not locked
    during the call). If the IdP fails, nothing of ours is committed, the failure is audited and
    ``IdentityProviderError`` is raised: repeating the same create completes it, because the provisioner
    is idempotent. A record committed without its IdP client (IdP changed or restored since) is repaired
    with ``service_account_sync`` (``kyodo identity sync-vendor``)."""
    codes = sorted(set(municipality_codes))
    sets = sorted(set(datasets))
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,99}", client_id or ""):
        errors["client_id"] = ["クライアントIDは英小文字・数字・ハイフン（3〜100文字）で入力してください。"]
    known = set(Municipality.objects.filter(code__in=codes).values_list("code", flat=True))
    if not codes or set(codes) - known:
        errors["municipality_codes"] = [f"団体コードが登録されていません: {', '.join(sorted(set(codes) - known)) or '（なし）'}"]
    known = set(registry.datasets())
    known |= {f"{d}:write" for d in known}  # a write scope next to the read one (docs/api.md)
    if not sets or set(sets) - known:
        errors["datasets"] = [f"データセットが正しくありません: {', '.join(sorted(set(sets) - known)) or '（なし）'}"]
    if ServiceAccount.objects.filter(client_id=client_id).exists():
        errors["client_id"] = [f"クライアントID {client_id} は既に登録されています。"]
    if errors:
        raise ValidationError(errors)
    detail = {"towns": codes, "datasets": sets}
    try:
        with transaction.atomic():
            try:
                account = ServiceAccount.objects.create(
                    client_id=client_id, vendor_name=vendor_name, municipality_codes=codes, datasets=sets,
                    created_by=actor if getattr(actor, "pk", None) else None)
            except IntegrityError:  # created concurrently between the check above and this insert
                raise ValidationError({"client_id": [f"クライアントID {client_id} は既に登録されています。"]}) from None
            secret = _service_account_ensure_at_idp(account)
            platform_audit_record(actor=actor, action="identity.service_account_create", target_type="client",
                                  target_id=client_id, detail=detail)
    except IdentityProviderError as exc:
        platform_audit_record(actor=actor, action="identity.service_account_create", target_type="client",
                              target_id=client_id, outcome="failed",
                              detail={**detail, "error": type(exc.__cause__).__name__})
        raise
    return account, secret


def _service_account_ensure_at_idp(account: ServiceAccount) -> str | None:
    try:
        return _provisioner().service_account_ensure(client_id=account.client_id,
                                                     scopes=_service_account_scopes(account))
    except Exception as exc:  # any IdP failure (HTTP error, timeout, refused): reported, never half-committed
        log.exception("identity provider failed for service account %s", account.client_id)
        raise IdentityProviderError(
            f"認証基盤へのクライアント {account.client_id} の登録に失敗しました（{type(exc).__name__}）。"
            "時間をおいて同じ操作をやり直してください。") from exc


def service_account_sync(*, actor, client_id: str) -> tuple[ServiceAccount, str | None]:
    """ベンダー連携アカウントの認証基盤への再反映: make the IdP's client match our record again (client,
    its default scopes for the contracted towns and datasets) and return its secret. Idempotent; for a
    record whose IdP client is missing or incomplete (IdP rebuilt, provisioner configured later)."""
    account = ServiceAccount.objects.filter(client_id=client_id).first()
    if account is None:
        raise ValidationError({"client_id": [f"クライアントID {client_id} は登録されていません。"]})
    if not account.active:
        raise ValidationError({"client_id": [f"クライアントID {client_id} は利用停止されています。"]})
    detail = {"towns": list(account.municipality_codes), "datasets": list(account.datasets)}
    try:
        secret = _service_account_ensure_at_idp(account)
    except IdentityProviderError as exc:
        platform_audit_record(actor=actor, action="identity.service_account_sync", target_type="client",
                              target_id=client_id, outcome="failed",
                              detail={**detail, "error": type(exc.__cause__).__name__})
        raise
    platform_audit_record(actor=actor, action="identity.service_account_sync", target_type="client",
                          target_id=client_id, detail=detail)
    return account, secret


def service_account_disable(*, actor, client_id: str) -> None:
    with transaction.atomic():
        updated = ServiceAccount.objects.filter(client_id=client_id, active=True).update(active=False)
        platform_audit_record(actor=actor, action="identity.service_account_disable", target_type="client",
                              target_id=client_id, detail={"was_active": bool(updated)})
    _provisioner().service_account_disable(client_id=client_id)


def town_hosts(code: str) -> list[str]:
    """The town's host names (TownHost rows), primary first: each is registered at the IdP."""
    from kyodo.tenancy.models import TownHost

    return list(TownHost.objects.filter(tenant__code=code).order_by("-is_primary", "domain")
                .values_list("domain", flat=True))


def town_identity_ensure(*, code: str, name: str) -> bool:
    """Onboarding step at the identity provider (groups per role, client scope, and the portal client's
    redirect/post-logout URIs of every host of the town, built by ``kyodo.identity.conf.portal_uris``), run
    after the town's transaction commits. Idempotent; on failure the town still exists and ``kyodo identity
    sync-town --code`` completes the step (also after a host was added). Returns whether it succeeded."""
    hosts = town_hosts(code)
    try:
        provisioner = _provisioner()
        provisioner.town_ensure(code=code, name=name, hosts=hosts)
    except Exception as exc:  # the IdP being down must not undo an onboarding that committed
        log.exception("identity provisioning failed for town %s", code)
        platform_audit_record(actor=None, action="identity.town_ensure", municipality_code=code,
                              target_type="municipality", target_id=code, outcome="failed",
                              detail={"error": type(exc).__name__, "hosts": hosts})
        return False
    platform_audit_record(actor=None, action="identity.town_ensure", municipality_code=code,
                          target_type="municipality", target_id=code,
                          detail={"provisioner": provisioner.name, "hosts": hosts})
    return True


def town_identity_disable(*, actor, code: str) -> None:
    """Offboarding at the identity provider: the town's groups are marked disabled and emptied, so no
    token names the town any more (our own Municipality status refuses its hosts independently)."""
    _provisioner().town_disable(code=code)
    platform_audit_record(actor=actor, action="identity.town_disable", municipality_code=code,
                          target_type="municipality", target_id=code)
