"""住民記録 (residents registry): the application's one declaration, read by the platform registry."""

from kyodo.registry import PeriodicSpec, TownApplication

APPLICATION = TownApplication(
    code="residents",
    label="住民記録",
    django_app="tenants.residents",
    urls="tenants.residents.urls",
    cli="tenants.residents.cli",
    demo="tenants.residents.demo:residents_demo_load",
    statistics="tenants.residents.selectors:residents_statistics",
    display="tenants.residents.display:LABELS",
    graphql="tenants.residents.graphql",
    roles=("counter_clerk", "approver", "section_chief", "auditor"),
    # 転出予定日 reached: the person leaves the registry (00:10 JST every day).
    periodic=(PeriodicSpec("move-outs-complete", "tenants.residents.tasks.move_outs_complete",
                           {"hour": 0, "minute": 10}),),
    navigation="tenants.residents.navigation:residents_navigation",
    inquiry="tenants.residents.inquiry:residents_inquiry",  # 統合照会: record, household, history
    order=10,
)
