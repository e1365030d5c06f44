"""税務 (municipal taxes: 個人住民税, 法人住民税, 固定資産税): the application's one declaration, read by the
platform registry. Its own roles (税務課): 税務担当 and 税務課長."""

from kyodo.registry import ConsumerSpec, PeriodicSpec, TownApplication

APPLICATION = TownApplication(
    code="tax",
    label="税務",
    django_app="tenants.tax",
    urls="tenants.tax.urls",
    demo="tenants.tax.demo:tax_demo_load",
    statistics="tenants.tax.selectors:tax_statistics",
    display="tenants.tax.display:LABELS",
    navigation="tenants.tax.navigation:tax_navigation",
    inquiry="tenants.tax.inquiry:tax_inquiry",  # 統合照会: the person's taxes, for 税務課 roles
    roles=("tax_clerk", "tax_chief"),
    graphql="tenants.tax.graphql",  # the 滞納管理 vendor's 調定・収納 reads and its write-back
    # 滞納管理: each contracted vendor's daily 調定・収納 file (layout tainou-1.0), written before the working day.
    periodic=(PeriodicSpec("tainou-delivery", "tenants.tax.tainou.tasks.deliveries_write", {"hour": 5, "minute": 10}),),
    # ワンスオンリー: the registry's 異動 become 作業 of 税務課 (住所変更 of taxpayers and owners, 相続人代表者).
    consumers=(
        ConsumerSpec("tax.juminzei", "tenants.tax.juminzei.consumers:on_residents_change",
                     ("residents.moved_out", "residents.relocated", "residents.died")),
        ConsumerSpec("tax.kotei", "tenants.tax.kotei.consumers:on_residents_change",
                     ("residents.moved_out", "residents.relocated", "residents.died")),
    ),
    order=40,
)
