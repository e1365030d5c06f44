"""住民記録 (residents registry): the application's one declaration, read by the platform registry."""

from kyodo.registry import TownApplication

APPLICATION = TownApplication(
    code="residents",
    label="住民記録",
    django_app="tenants.residents",
    urls="tenants.residents.urls",
    cli="tenants.residents.cli",
    demo="tenants.residents.demo:residents_demo_load",
    statistics="tenants.residents.selectors:residents_statistics",
    roles=("counter_clerk", "approver", "section_chief", "auditor"),
    order=10,
)
