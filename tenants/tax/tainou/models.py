"""滞納管理 link: the files delivered to a contracted vendor (imported by tenants/tax/models.py)."""

from __future__ import annotations

from django.db import models

__all__ = ["Delivery"]


class Delivery(models.Model):
    """配信: one standard-spec file (layout ``tainou-1.0``) written for one vendor on one day — 調定・収納 with
    the taxpayers' 宛名 — kept here for the vendor to fetch (GraphQL ``taxDeliveries``). One per vendor, layout
    and day: the scheduled task run twice writes nothing twice."""

    client_id = models.CharField("連携先（クライアントID）", max_length=100)
    vendor_name = models.CharField("連携先の名称", max_length=200, blank=True)
    layout = models.CharField("レイアウト", max_length=40)
    delivered_on = models.DateField("配信日")
    file_name = models.CharField("ファイル名", max_length=120)
    content = models.BinaryField("ファイル")
    sha256 = models.CharField(max_length=64)
    charges = models.PositiveIntegerField("調定の件数", default=0)
    payments = models.PositiveIntegerField("収納の件数", default=0)
    persons = models.PositiveIntegerField("個人の件数", default=0)
    corporations = models.PositiveIntegerField("法人の件数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        db_table = "tax_tainou_delivery"
        ordering = ["-delivered_on", "client_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["client_id", "layout", "delivered_on"],
                                               name="tax_tainou_delivery_once")]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.client_id}）"
