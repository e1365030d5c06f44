"""The application registry: a town application is its folder and one declaration; platform code
(CLI, URLs, portal menu, console figures, demo, onboarding, the relay) picks it up by itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from kyodo import registry
from kyodo.cli import build_parser
from tests.conftest import PASSWORD, TOWN_A

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_residents_and_reference_declare_themselves():
    apps = {a.code: a for a in registry.applications()}
    assert apps["residents"].django_app == "tenants.residents" and apps["residents"].urls == "tenants.residents.urls"
    assert apps["reference"].selectable is False
    from django.conf import settings

    assert {"tenants.residents", "tenants.reference", "kyodo.tenantlog"} <= set(settings.TENANT_APPS)


def test_platform_code_names_no_town_application():
    """Nothing under platform/ imports or names a town app's package."""
    offenders = []
    for path in (ROOT / "platform").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        for app in ("tenants.residents", "tenants.reference", "from tenants", "import tenants"):
            if app in text:
                offenders.append(f"{path.relative_to(ROOT)}: {app}")
    assert offenders == []


def test_a_throw_away_app_is_picked_up_by_cli_urls_menu_and_onboarding(sample_app, town_a, clerk_a, capsys):
    # CLI
    args = build_parser().parse_args(["sample", "hello", "--town", "412066"])
    assert args.func(args) == 0 and "sample command for 412066" in capsys.readouterr().out
    # Onboarding and the console offer it; the town enables it.
    from kyodo.console.forms import MunicipalityCreateForm
    from kyodo.tenancy import services

    assert ("sample", "試験業務") in MunicipalityCreateForm().fields["applications"].choices
    services.municipality_set_applications(actor=None, town=town_a, applications=["residents", "sample"])
    # URLs and portal menu
    client = Client(HTTP_HOST=TOWN_A["hosts"][0])
    client.force_login(clerk_a)
    menu = client.get("/").content.decode()
    assert 'data-app="sample"' in menu and 'href="/sample/"' in menu and "試験業務" in menu
    page = client.get("/sample/")
    assert page.status_code == 200 and "試験業務 412066" in page.content.decode()
    # Console figures come from its declaration.
    from kyodo.tenancy.tasks import municipality_statistics_refresh

    result = municipality_statistics_refresh(schema_name=town_a.schema_name,
                                             principal={"kind": "system", "name": "test"})
    assert result["figures"]["試験件数"] == 7 and "住民数" in result["figures"]


def test_an_app_that_is_not_enabled_is_refused_and_absent_from_the_menu(sample_app, client_a):
    assert client_a.get("/sample/").status_code == 403
    assert 'data-app="sample"' not in client_a.get("/").content.decode()


def test_undeclared_codes_are_refused_at_onboarding():
    from django.core.exceptions import ValidationError

    from kyodo.tenancy import services

    with pytest.raises(ValidationError) as exc:
        services.municipality_provision(actor=None, code="412091", name="嬉野市", name_kana="ウレシノシ",
                                        applications=["residents", "payroll"])
    assert "payroll" in str(exc.value.message_dict["applications"])


def test_after_the_block_the_app_is_gone(town_a, clerk_a):
    with registry.temporarily(__import__("tests.sample_app", fromlist=["APPLICATION"]).APPLICATION):
        assert registry.get("sample") is not None
    assert registry.get("sample") is None
    client = Client(HTTP_HOST=TOWN_A["hosts"][0])
    client.force_login(clerk_a)
    assert client.get("/sample/").status_code == 404


def test_duplicate_codes_are_refused():
    from dataclasses import replace

    residents = registry.get("residents")
    with pytest.raises(registry.RegistryError):
        registry._check_unique([residents, replace(residents, source="elsewhere")])


def test_the_cli_is_assembled_without_importing_django_models():
    """``kyodo --help`` lists the apps' commands (an extra app declared by environment too) before
    Django is set up: no model module is imported at parse time."""
    code = ("import sys; from kyodo.cli import build_parser; p = build_parser(); "
            "h = p.format_help(); assert 'residents' in h and 'sample' in h and 'events' in h, h; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('kyodo', 'tenants', 'integrations') "
            "and m.endswith('.models')); assert not bad, bad; "
            "from django.apps import apps; assert not apps.ready; print('ok')")
    env = dict(os.environ, KYODO_EXTRA_APPLICATIONS="tests.sample_app",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_the_demo_runs_each_enabled_apps_loader(sample_app):
    """demo_setup calls the declared loaders of the applications a town enabled; unknown ones
    from the town's contract are left out instead of failing onboarding."""
    from kyodo import demo

    original = demo.SAGA_TOWNS
    demo.SAGA_TOWNS = (type(original[0])("413879", "玄海町", "ゲンカイチョウ", "genkai",
                                         ("residents", "sample", "not-built-yet")),)
    try:
        made = demo.demo_setup(password=PASSWORD, host_suffix=".test", scale=0.0001)
    finally:
        demo.SAGA_TOWNS = original
    town = made[0]
    assert town.enabled_applications == ["residents", "sample"]
    assert "試験業務のデモ: 413879" in town.demo_notes
    assert any("支援措置" in note for note in town.demo_notes)
