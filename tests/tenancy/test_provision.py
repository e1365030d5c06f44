"""Onboarding (団体の新規構築) through the one provisioning service."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from kyodo.audit.models import PlatformAuditEntry
from kyodo.tenancy import services
from kyodo.tenancy.models import Municipality, TownHost
from tenants.reference.models import ReferenceCode
from tenants.reference.seed import rows

pytestmark = pytest.mark.django_db

URESHINO = {"code": "412091", "name": "嬉野市", "name_kana": "うれしのし", "hosts": ["ureshino.test"],
            "applications": ["residents"]}


def test_provision_creates_schema_tables_seed_hosts_and_audit(pref_admin):
    town = services.municipality_provision(actor=pref_admin, **URESHINO)

    assert town.schema_name == "town_412091"
    assert schema_exists("town_412091")
    assert town.name_kana == "ウレシノシ"  # hiragana input normalised to katakana
    assert town.prefecture == "佐賀県"  # derived from the code
    assert town.enabled_applications == ["residents"]
    assert list(TownHost.objects.filter(tenant=town).values_list("domain", "is_primary")) == [("ureshino.test", True)]
    with schema_context(town.schema_name):
        assert ReferenceCode.objects.count() == len(list(rows()))
        assert ReferenceCode.objects.get(code_type="relationship", code="01").label == "世帯主"
    entry = PlatformAuditEntry.objects.filter(action="municipality.provision", municipality_code="412091").get()
    assert entry.actor_username == "pref-admin"
    assert entry.detail["method"] == "template"


def test_repeat_with_same_code_is_a_clear_error(pref_admin, town_a):
    with pytest.raises(ValidationError) as exc:
        services.municipality_provision(actor=pref_admin, code="412066", name="武雄市", name_kana="タケオシ",
                                        hosts=["takeo2.test"])
    assert exc.value.message_dict["code"] == ["団体コード 412066 は既に登録されています（武雄市）。"]


def test_duplicate_host_is_refused_and_names_the_host(pref_admin, town_a):
    with pytest.raises(ValidationError) as exc:
        services.municipality_provision(actor=pref_admin, **{**URESHINO, "hosts": ["takeo.test"]})
    assert "takeo.test" in exc.value.message_dict["hosts"][0]
    assert not Municipality.objects.filter(code="412091").exists()


@pytest.mark.parametrize("field,value,fragment", [
    ("code", "412092", "検査数字"),
    ("name", "", "名称を入力"),
    ("name_kana", "Ureshino", "カタカナ"),
    ("prefecture", "長崎県", "佐賀県のコード"),
    ("hosts", ["bad_host!"], "形式"),
    ("hosts", ["localhost"], "コンソール"),
    ("applications", ["payroll"], "payroll"),
])
def test_bad_input_names_the_field(pref_admin, field, value, fragment):
    with pytest.raises(ValidationError) as exc:
        services.municipality_provision(actor=pref_admin, **{**URESHINO, field: value})
    assert fragment in " ".join(exc.value.message_dict[field])
    assert not schema_exists("town_412091")


def test_failure_midway_leaves_no_half_made_town(pref_admin, monkeypatch):
    from kyodo.tenancy import services as svc

    def explode(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(svc, "platform_audit_record", explode)
    with pytest.raises(RuntimeError):
        svc.municipality_provision(actor=pref_admin, **URESHINO)
    connection.set_schema_to_public()
    assert not Municipality.objects.filter(code="412091").exists()
    assert not TownHost.objects.filter(domain="ureshino.test").exists()
    assert not schema_exists("town_412091")


def test_provision_by_migrations_gives_the_same_seed(pref_admin):
    town = services.municipality_provision(actor=pref_admin, **URESHINO, from_template=False)
    with schema_context(town.schema_name):
        assert ReferenceCode.objects.count() == len(list(rows()))


def test_suspend_and_resume_are_audited_and_checked(pref_admin, town_a):
    town = services.municipality_suspend(actor=pref_admin, town=town_a, reason="システム移行")
    assert town.status == "suspended"
    with pytest.raises(ValidationError) as exc:
        services.municipality_suspend(actor=pref_admin, town=town, reason="二度目")
    assert "一時停止" in exc.value.message_dict["status"][0]
    town = services.municipality_resume(actor=pref_admin, town=town, reason="移行完了")
    assert town.status == "active"
    assert (town.status_reason, town.status_changed_by) == ("移行完了", pref_admin)
    actions = list(PlatformAuditEntry.objects.filter(municipality_code="412066")
                   .order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["municipality.suspend", "municipality.resume"]


@pytest.mark.parametrize("reason", ["", "   ", "あ" * 201])
def test_suspend_requires_a_reason_of_bounded_length(pref_admin, town_a, reason):
    with pytest.raises(ValidationError) as exc:
        services.municipality_suspend(actor=pref_admin, town=town_a, reason=reason)
    assert "理由" in exc.value.message_dict["reason"][0]
    town_a.refresh_from_db()
    assert town_a.status == "active"
