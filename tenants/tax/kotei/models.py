"""固定資産税's tables: parcels (土地・家屋), their owners over time (所有者・共有者), each 納税義務者's assessment per
年度, and the 法務局's 登記済通知 as imported.

Owners are residents (person id + 宛名番号 copy) or corporations (法人番号), never foreign keys into other apps.
Ownership rows are kept (valid_from / valid_until), a transfer ends one row and adds another."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = ["Parcel", "Ownership", "PropertyAssessment", "RegistryNoticeBatch", "RegistryNotice"]


class ParcelKind(models.TextChoices):
    LAND = "land", "土地"
    BUILDING = "building", "家屋"


class ParcelStatus(models.TextChoices):
    ACTIVE = "active", "現存"
    LOST = "lost", "滅失・閉鎖"


class Parcel(models.Model):
    """土地 or 家屋 (課税台帳の一筆・一棟): 所在, 地番 or 家屋番号, 地目 or 種類 (codes of data/national.toml),
    地積 or 床面積, 評価額 (価格), last year's 課税標準額 (for the 負担調整), 住宅用地 and 新築住宅 facts."""

    kind = models.CharField("土地・家屋", max_length=10, choices=ParcelKind.choices)
    location = models.CharField("所在", max_length=200)
    number = models.CharField("地番・家屋番号", max_length=40)
    category = models.CharField("地目・種類", max_length=2)
    area = models.DecimalField("地積・床面積（㎡）", max_digits=12, decimal_places=2)
    value = models.PositiveBigIntegerField("評価額")
    previous_base = models.PositiveBigIntegerField("前年度課税標準額", null=True, blank=True)
    housing_area = models.DecimalField("住宅用地の面積（㎡）", max_digits=12, decimal_places=2, default=0)
    dwellings = models.PositiveSmallIntegerField("住宅の戸数", default=0)
    new_housing_first_year = models.PositiveIntegerField("新築住宅減額の初年度", null=True, blank=True)
    new_housing_area = models.DecimalField("居住部分の床面積（㎡）", max_digits=12, decimal_places=2, null=True,
                                           blank=True)
    new_housing_midrise = models.BooleanField("中高層耐火建築物", default=False)
    status = models.CharField("状態", max_length=10, choices=ParcelStatus.choices, default=ParcelStatus.ACTIVE)
    registered_on = models.DateField("登記年月日", null=True, blank=True)
    lost_on = models.DateField("滅失・閉鎖の日", null=True, blank=True)
    origin = models.CharField("発生元", max_length=80, blank=True)  # "notice:<id>", "demo", "staff"
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tax_kotei_parcel"
        ordering = ["kind", "location", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "location", "number"], condition=Q(status="active"),
                                    name="tax_kotei_parcel_active_once"),
            models.CheckConstraint(condition=Q(area__gt=0), name="tax_kotei_parcel_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.location} {self.number}"

    @property
    def label(self) -> str:
        return f"{self.location} {self.number}"


class Ownership(models.Model):
    """所有者・共有者 of a parcel from ``valid_from`` to ``valid_until`` (None: still): a resident or a
    corporation (exactly one), its 持分, whether it is the 代表者 (receives the notice), and its 納税管理人."""

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="ownerships", verbose_name="物件")
    person_id = models.BigIntegerField("所有者（住民記録）", null=True, blank=True)
    atena_number = models.CharField("宛名番号", max_length=12, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    name = models.CharField("所有者名", max_length=200)
    share_numerator = models.PositiveIntegerField("持分（分子）", default=1)
    share_denominator = models.PositiveIntegerField("持分（分母）", default=1)
    is_representative = models.BooleanField("代表者", default=False)
    manager_person_id = models.BigIntegerField("納税管理人（住民記録）", null=True, blank=True)
    manager_name = models.CharField("納税管理人の氏名", max_length=200, blank=True)
    manager_address = models.CharField("納税管理人の住所", max_length=300, blank=True)
    valid_from = models.DateField("取得日")
    valid_until = models.DateField("喪失日", null=True, blank=True)
    source = models.CharField("発生元", max_length=80, blank=True)

    class Meta:
        db_table = "tax_kotei_ownership"
        ordering = ["parcel_id", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person_id__isnull=False, corporate_number="")
                           | Q(person_id__isnull=True) & ~Q(corporate_number="")),
                name="tax_kotei_ownership_one_owner"),
            models.CheckConstraint(condition=Q(share_numerator__gt=0, share_denominator__gt=0)
                                   & Q(share_numerator__lte=models.F("share_denominator")),
                                   name="tax_kotei_ownership_share"),
        ]
        indexes = [models.Index(fields=["person_id"], name="tax_kotei_owner_person"),
                   models.Index(fields=["corporate_number"], name="tax_kotei_owner_corporation"),
                   models.Index(fields=["parcel", "valid_until"], name="tax_kotei_owner_current")]

    def __str__(self) -> str:
        return f"{self.name} {self.share_numerator}/{self.share_denominator}"

    @property
    def owner_key(self) -> str:
        return f"p{self.person_id}" if self.person_id is not None else f"c{self.corporate_number}"


class PropertyAssessment(models.Model):
    """固定資産税の賦課 of one 納税義務者 for one 年度: a single owner, or a 共有 group (all co-owners of the same
    parcels, jointly liable, the 代表者 receiving the notice). Rows are added; the latest is current."""

    fiscal_year = models.PositiveIntegerField("年度")
    taxpayer_key = models.CharField("納税義務者のキー", max_length=500)  # "p12", "c1234567890123", "p12+p15"
    person_id = models.BigIntegerField("代表者（住民記録）", null=True, blank=True)
    atena_number = models.CharField("宛名番号", max_length=12, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    name = models.CharField("納税義務者名", max_length=300)
    co_owners = models.PositiveSmallIntegerField("共有者数", default=1)
    parcels = models.PositiveIntegerField("物件数")
    land_base = models.PositiveBigIntegerField("土地の課税標準額", default=0)
    land_tax = models.PositiveBigIntegerField("土地の税額", default=0)
    land_exempt = models.BooleanField("土地免税点未満", default=False)
    building_base = models.PositiveBigIntegerField("家屋の課税標準額", default=0)
    building_tax = models.PositiveBigIntegerField("家屋の税額", default=0)
    building_exempt = models.BooleanField("家屋免税点未満", default=False)
    reduction = models.PositiveBigIntegerField("減額税額", default=0)
    total = models.PositiveBigIntegerField("年税額", default=0)
    lines = models.JSONField("課税明細", default=list)
    rate = models.CharField("税率", max_length=10)
    unsupported = models.CharField("計算対象外の理由", max_length=300, blank=True)
    is_current = models.BooleanField(default=True)
    calculated_at = models.DateTimeField(auto_now_add=True)
    calculated_by = models.CharField(max_length=150)
    notice_no = models.CharField("通知書番号", max_length=30, blank=True)
    signature = models.CharField("内容の要約値", max_length=32, blank=True)  # a recalculation finding the same keeps the row

    class Meta:
        db_table = "tax_kotei_assessment"
        ordering = ["fiscal_year", "taxpayer_key", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "taxpayer_key"], condition=Q(is_current=True),
                                    name="tax_kotei_assessment_current_once"),
        ]
        indexes = [models.Index(fields=["person_id", "fiscal_year"], name="tax_kotei_assess_person")]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.name} {self.total:,}円"


class RegistryNoticeBatch(models.Model):
    """法務局からの登記済通知 one imported file (all of it, or nothing)."""

    filename = models.CharField("ファイル名", max_length=200)
    sha256 = models.CharField(max_length=64)
    layout = models.CharField("レイアウト", max_length=40)
    notices = models.PositiveIntegerField("通知数")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150)

    class Meta:
        db_table = "tax_kotei_notice_batch"
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.notices}件）"


class NoticeKind(models.TextChoices):
    TRANSFER = "transfer", "所有権移転"
    NEW_BUILDING = "new_building", "家屋の新築"
    SUBDIVISION = "subdivision", "分筆"
    MERGER = "merger", "合筆"
    CATEGORY_CHANGE = "category_change", "地目変更"
    LOSS = "loss", "滅失"


class RegistryNotice(models.Model):
    """登記済通知 one notice (受付番号): its kind, 登記年月日, the parcels it names and the new values, and the
    評価変更 作業 it became."""

    batch = models.ForeignKey(RegistryNoticeBatch, on_delete=models.PROTECT, related_name="items",
                              verbose_name="取込")
    kind = models.CharField("登記の種類", max_length=20, choices=NoticeKind.choices)
    receipt_no = models.CharField("受付番号", max_length=20)
    registered_on = models.DateField("登記年月日")
    lines = models.JSONField("ファイルの行", default=list)
    parcel_ids = models.JSONField("対象物件", default=list)
    values = models.JSONField("登記の内容", default=dict)
    work_item_id = models.BigIntegerField("作業", null=True, blank=True)

    class Meta:
        db_table = "tax_kotei_notice"
        ordering = ["batch_id", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 受付番号 {self.receipt_no}"
