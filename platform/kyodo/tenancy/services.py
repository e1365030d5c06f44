"""Writes for tenancy: provisioning (onboarding) a town, suspending and resuming it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jaconv
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo import registry
from kyodo.audit.services import platform_audit_record
from kyodo.identity.principal import task_principal

from . import template
from .codes import PREFECTURES, known_municipality, prefecture_of, schema_name_for, validate_municipality_code
from .db import ensure_public_schema
from .models import Municipality, MunicipalityStatus, TownHost

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


def _normalise_kana(value: str) -> str:
    value = unicodedata.normalize("NFKC", value or "").strip()
    return jaconv.hira2kata(value)


def _fold_name(value: str) -> str:
    return value.replace("ケ", "ヶ").replace("ヵ", "ヶ")


def _fold_kana(value: str) -> str:
    return re.sub(r"[\u3000 ]", "", value)


def _validate_host(host: str) -> str:
    host = (host or "").strip().lower().rstrip(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise ValidationError({"hosts": f"ホスト名「{host}」の形式が正しくありません（英小文字・数字・ハイフン）。"})
    if host == settings.KYODO_PUBLIC_HOST:
        raise ValidationError({"hosts": f"ホスト名「{host}」は共同利用コンソール用のため使えません。"})
    return host


def _selectable_codes() -> set[str]:
    return {app.code for app in registry.selectable()}


def default_host(code: str) -> str:
    return f"t{code}{settings.KYODO_TOWN_HOST_SUFFIX}"


def _clean(*, code: str, name: str, name_kana: str, prefecture: str | None, hosts: Iterable[str],
           applications: Iterable[str]) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field: str, exc: ValidationError) -> None:
        errors.setdefault(field, []).extend(exc.messages)

    code = (code or "").strip()
    known = None
    try:
        validate_municipality_code(code)
    except ValidationError as exc:
        add("code", exc)
    else:
        known = known_municipality(code)
        existing = Municipality.objects.filter(code=code).first()
        if existing is not None:
            errors.setdefault("code", []).append(
                f"団体コード {code} は既に登録されています（{existing.name}）。"
            )
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        errors.setdefault("name", []).append("名称を入力してください。")
    elif len(name) > 50:
        errors.setdefault("name", []).append("名称は50文字以内で入力してください。")
    elif known is not None:
        # A code of data/municipalities.csv belongs to one municipality: a name that differs is a
        # mistyped code or name, not a new town. ケ/ヶ are written both ways (吉野ヶ里町).
        if _fold_name(name) != _fold_name(known.name):
            errors.setdefault("name", []).append(f"団体コード {code} は{known.name}のコードです（入力: {name}）。")
        else:
            name = known.name
    kana = _normalise_kana(name_kana)
    if not kana:
        errors.setdefault("name_kana", []).append("名称カナを入力してください。")
    elif not _KATAKANA.match(kana):
        errors.setdefault("name_kana", []).append("名称カナはカタカナで入力してください。")
    elif known is not None and "name" not in errors and _fold_kana(kana) != _fold_kana(known.name_kana):
        errors.setdefault("name_kana", []).append(
            f"{known.name}（{code}）の名称カナは {known.name_kana} です（入力: {kana}）。"
        )
    prefecture = (prefecture or "").strip()
    if "code" not in errors:
        expected = prefecture_of(code)
        if not prefecture:
            prefecture = expected
        elif prefecture not in PREFECTURES:
            errors.setdefault("prefecture", []).append(f"都道府県「{prefecture}」は存在しません。")
        elif prefecture != expected:
            errors.setdefault("prefecture", []).append(
                f"団体コード {code} は{expected}のコードです（入力: {prefecture}）。"
            )
    clean_hosts: list[str] = []
    for host in hosts or ():
        try:
            clean_hosts.append(_validate_host(host))
        except ValidationError as exc:
            add("hosts", exc)
    if not clean_hosts and "code" not in errors:
        clean_hosts = [default_host(code)]
    if len(set(clean_hosts)) != len(clean_hosts):
        errors.setdefault("hosts", []).append("同じホスト名が重複しています。")
    taken = TownHost.objects.filter(domain__in=clean_hosts).select_related("tenant")
    for row in taken:
        errors.setdefault("hosts", []).append(f"ホスト名「{row.domain}」は既に他の団体が使用しています。")
    apps = list(dict.fromkeys(applications or ()))
    unknown = [a for a in apps if a not in _selectable_codes()]
    if unknown:
        errors.setdefault("applications", []).append(f"不明な業務アプリケーション: {', '.join(unknown)}")
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "name_kana": kana, "prefecture": prefecture, "hosts": clean_hosts,
            "applications": apps}


def municipality_provision(*, actor, code: str, name: str, name_kana: str, prefecture: str | None = None,
                           hosts: Iterable[str] = (), applications: Iterable[str] = (),
                           from_template: bool | None = None) -> Municipality:
    """団体の新規構築: create a town with its schema, every tenant table and seed data, all or nothing.

    Raises ValidationError (field -> Japanese messages) for bad input or a repeated code/host.
    """
    data = _clean(code=code, name=name, name_kana=name_kana, prefecture=prefecture, hosts=hosts,
                  applications=applications)
    use_template = settings.KYODO_PROVISION_FROM_TEMPLATE if from_template is None else from_template
    ensure_public_schema()
    applied = template.ensure_template() if use_template else None  # outside the transaction: may migrate it once
    schema_name = schema_name_for(data["code"])
    with transaction.atomic():
        town = Municipality(
            schema_name=schema_name, code=data["code"], name=data["name"], name_kana=data["name_kana"],
            prefecture=data["prefecture"], enabled_applications=data["applications"],
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        town.save()
        for i, host in enumerate(data["hosts"]):
            TownHost.objects.create(domain=host, tenant=town, is_primary=(i == 0))
        if use_template:
            template.schema_create_from_template(schema_name, applied)
        else:
            template.schema_create_by_migrations(schema_name)
        platform_audit_record(
            actor=actor, action="municipality.provision", municipality_code=town.code,
            target_type="municipality", target_id=town.code,
            detail={"name": town.name, "hosts": data["hosts"], "applications": data["applications"],
                    "method": "template" if use_template else "migrations"},
        )
        principal = task_principal(actor, "tenancy:onboarding")
        transaction.on_commit(lambda: _enqueue_statistics(town.schema_name, principal))
        from kyodo.identity.services import town_identity_ensure  # Keycloak groups and scopes

        transaction.on_commit(lambda: town_identity_ensure(code=town.code, name=town.name))
    return town


def _enqueue_statistics(schema_name: str, principal: dict) -> None:
    from .tasks import municipality_statistics_refresh

    try:
        municipality_statistics_refresh.delay(schema_name=schema_name,
                                              principal=principal)
    except Exception:  # the broker being down must not undo an onboarding that already committed
        import logging

        logging.getLogger(__name__).warning("could not enqueue statistics refresh for %s", schema_name)


REASON_MAX = 200


def _clean_reason(reason: str) -> str:
    reason = unicodedata.normalize("NFC", (reason or "").strip())
    if not reason:
        raise ValidationError({"reason": "理由を入力してください。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"理由は{REASON_MAX}文字以内で入力してください。"})
    return reason


def _status_change(*, actor, town: Municipality, to: str, allowed_from: set[str], action: str,
                   reason: str) -> Municipality:
    reason = _clean_reason(reason)
    ensure_public_schema()
    with transaction.atomic():
        town = Municipality.objects.select_for_update().get(pk=town.pk)
        if town.status not in allowed_from:
            raise ValidationError({"status": f"{town.name}は「{town.get_status_display()}」のため、この操作はできません。"})
        previous = town.status
        town.status = to
        town.status_changed_at = timezone.now()
        town.status_changed_by = actor if getattr(actor, "pk", None) else None
        town.status_reason = reason
        town.save(update_fields=["status", "status_changed_at", "status_changed_by", "status_reason"])
        platform_audit_record(actor=actor, action=action, municipality_code=town.code,
                              target_type="municipality", target_id=town.code, purpose=reason,
                              detail={"from": previous, "to": to})
    return town


def municipality_suspend(*, actor, town: Municipality, reason: str) -> Municipality:
    """一時停止: every page of a suspended town's hosts (its login page too) shows only that it is
    suspended, until it is resumed. ``reason`` is required; it is kept with who and when."""
    return _status_change(actor=actor, town=town, to=MunicipalityStatus.SUSPENDED,
                          allowed_from={MunicipalityStatus.ACTIVE}, action="municipality.suspend", reason=reason)


def municipality_resume(*, actor, town: Municipality, reason: str) -> Municipality:
    """再開 (the reason is required here too)."""
    return _status_change(actor=actor, town=town, to=MunicipalityStatus.ACTIVE,
                          allowed_from={MunicipalityStatus.SUSPENDED}, action="municipality.resume", reason=reason)


def municipality_set_applications(*, actor, town: Municipality, applications: Iterable[str]) -> Municipality:
    """Enable exactly ``applications`` for the town (業務アプリケーションの利用設定)."""
    apps = list(dict.fromkeys(applications))
    unknown = [a for a in apps if a not in _selectable_codes()]
    if unknown:
        raise ValidationError({"applications": f"不明な業務アプリケーション: {', '.join(unknown)}"})
    ensure_public_schema()
    with transaction.atomic():
        town = Municipality.objects.select_for_update().get(pk=town.pk)
        previous = list(town.enabled_applications)
        town.enabled_applications = apps
        town.save(update_fields=["enabled_applications"])
        platform_audit_record(actor=actor, action="municipality.applications", municipality_code=town.code,
                              target_type="municipality", target_id=town.code,
                              detail={"from": previous, "to": apps})
    return town
