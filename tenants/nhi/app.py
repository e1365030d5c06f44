"""国民健康保険 (NHI): the application's one declaration, read by the platform registry."""

from kyodo.registry import ConsumerSpec, PeriodicSpec, TownApplication

APPLICATION = TownApplication(
    code="nhi",
    label="国民健康保険",
    django_app="tenants.nhi",
    urls="tenants.nhi.urls",
    demo="tenants.nhi.demo:nhi_demo_load",
    statistics="tenants.nhi.selectors:nhi_statistics",
    display="tenants.nhi.display:LABELS",
    navigation="tenants.nhi.navigation:nhi_navigation",
    inquiry="tenants.nhi.inquiry:nhi_inquiry",  # 統合照会: 資格履歴 and 納付義務者
    roles=("counter_clerk", "approver", "section_chief"),
    # ワンスオンリー: what the residents registry records is proposed to NHI staff as work items (作業).
    consumers=(ConsumerSpec("nhi.enrol", "tenants.nhi.consumers:on_residents_change", (
        "residents.moved_in", "residents.moved_out", "residents.born", "residents.died",
        "residents.household_changed", "assignments.nhi_requested"),
        batch_handler="tenants.nhi.consumers:on_residents_changes"),),
    # 75歳到達 has no registry event: a daily job proposes those 喪失 a month ahead, as 作業 like the rest.
    periodic=(PeriodicSpec("late-elderly", "tenants.nhi.tasks.late_elderly_propose", {"hour": 0, "minute": 40}),),
    order=30,
)
