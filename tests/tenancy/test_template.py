"""Proof that a town built from the template schema equals one built by running every migration."""

import pytest
from django.db import connection

from kyodo.tenancy import services, template

from .catalog import describe

pytestmark = pytest.mark.django_db


def test_template_built_town_equals_migrated_town(pref_admin):
    by_template = services.municipality_provision(
        actor=pref_admin, code="412091", name="嬉野市", name_kana="ウレシノシ", hosts=["ureshino.test"])
    by_migrations = services.municipality_provision(
        actor=pref_admin, code="414239", name="大町町", name_kana="オオマチチョウ", hosts=["omachi.test"],
        from_template=False)

    a = describe(by_template.schema_name)
    b = describe(by_migrations.schema_name)
    assert a["tables"], "the template produced no tables"
    for key in a:
        assert a[key] == b[key], f"{key} differs between template-built and migrated schemas"
    # The migration records are complete, so a later `kyodo migrate` has nothing to redo.
    labels = template.tenant_app_labels()
    assert {m for m in a["migrations"] if m[0] in labels} == template.expected_migrations()


def test_comparison_detects_a_difference(pref_admin):
    """Guard against a comparison that cannot fail: an extra index must show up."""
    town = services.municipality_provision(
        actor=pref_admin, code="412091", name="嬉野市", name_kana="ウレシノシ", hosts=["ureshino.test"])
    before = describe(town.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE INDEX extra_idx ON "{town.schema_name}".reference_referencecode (label_kana)')
    after = describe(town.schema_name)
    assert before["indexes"] != after["indexes"]


def test_template_script_is_refreshed_when_migrations_change(pref_admin):
    script = template.template_script()
    assert '"__kyodo_new_schema__"' in script
    assert "kyodo_template" not in script
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{template.template_schema_name()}".django_migrations (app, name, applied) '
            "VALUES ('reference', '9999_test_only', now())")
    # A different migration state gives a different fingerprint, so the cached script is not reused.
    assert template._fingerprint() not in template._cache
