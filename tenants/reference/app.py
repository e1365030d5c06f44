"""コード表 (code tables): every town has them; not offered as an application to enable."""

from kyodo.registry import TownApplication

APPLICATION = TownApplication(
    code="reference",
    label="コード表",
    django_app="tenants.reference",
    statistics="tenants.reference.selectors:reference_statistics",
    display="tenants.reference.display:LABELS",
    selectable=False,
    menu=False,
    order=0,
)
