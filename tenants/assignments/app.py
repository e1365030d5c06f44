"""業務配分 (online applications' back-office tasks distributed across offices by idle time, 八王子市's model):
the application's one declaration, read by the platform registry."""

from kyodo.registry import TownApplication

APPLICATION = TownApplication(
    code="assignments",
    label="業務配分",
    django_app="tenants.assignments",
    urls="tenants.assignments.urls",
    demo="tenants.assignments.demo:assignments_demo_load",
    statistics="tenants.assignments.selectors:assignments_statistics",
    display="tenants.assignments.display:LABELS",
    navigation="tenants.assignments.navigation:assignments_navigation",
    graphql="tenants.assignments.graphql",  # onlineApplicationSubmit, for the town's 申請管理 system
    roles=("counter_clerk", "approver", "section_chief"),
    datasets=("assignments",),  # the 申請管理 system writes with "assignments:write"
    order=50,
)
