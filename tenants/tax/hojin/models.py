"""法人住民税 (法人市町村民税): the town's corporations and their returns (申告), imported by tenants/tax/models.py.

A corporation has no residents-registry link; it is known by its 法人番号. A return stores the engine's inputs
and its result (均等割, 法人税割, total, payable, explanation) as computed when it was filed; returns are only
added — a 修正申告 refers to the return it corrects."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = ["Corporation", "CorporationStatus", "CorporateReturnKind", "CorporateReturnRecord"]


class CorporationStatus(models.TextChoices):
    """法人の状態 (in this town)."""

    ACTIVE = "active", "課税中"
    CLOSED = "closed", "事務所廃止"
    DISSOLVED = "dissolved", "解散・清算"


class Corporation(models.Model):
    """法人: a corporation with an office (事務所・事業所) in the town, by its 法人番号 (13 digits, check digit
    first). ``capital`` is the 資本金等の額 and ``capital_and_reserve`` 資本金 + 資本準備金 as last known; a
    return carries its own figures at its period's end."""

    corporate_number = models.CharField("法人番号", max_length=13, unique=True)
    name = models.CharField("名称", max_length=200)
    kana = models.CharField("名称カナ", max_length=200, blank=True)
    head_office_address = models.CharField("本店所在地", max_length=300)
    office_name = models.CharField("事務所・事業所の名称", max_length=200, blank=True)
    office_address = models.CharField("事務所・事業所の所在地（町内）", max_length=300)
    office_opened_on = models.DateField("事務所の開設日", null=True, blank=True)
    office_closed_on = models.DateField("事務所の廃止日", null=True, blank=True)
    capital = models.PositiveBigIntegerField("資本金等の額", default=0)
    capital_and_reserve = models.PositiveBigIntegerField("資本金＋資本準備金", default=0)
    employees = models.PositiveIntegerField("従業者数（町内）", default=0)
    fiscal_year_end_month = models.PositiveSmallIntegerField("事業年度の終わる月", default=3)
    status = models.CharField("状態", max_length=20, choices=CorporationStatus.choices,
                              default=CorporationStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "tax_hojin_corporation"
        ordering = ["kana", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(fiscal_year_end_month__gte=1, fiscal_year_end_month__lte=12),
                                   name="tax_hojin_corporation_month"),
            models.CheckConstraint(condition=Q(office_closed_on__isnull=True) | Q(office_opened_on__isnull=True)
                                   | Q(office_closed_on__gte=models.F("office_opened_on")),
                                   name="tax_hojin_corporation_office_dates"),
        ]
        indexes = [models.Index(fields=["name"], name="tax_hojin_corp_name"),
                   models.Index(fields=["kana"], name="tax_hojin_corp_kana")]

    def __str__(self) -> str:
        return f"{self.name}（{self.corporate_number}）"


class CorporateReturnKind(models.TextChoices):
    """申告の種類 (the engine's ``kind``)."""

    PROVISIONAL = "provisional", "予定申告"
    INTERIM = "interim", "中間申告（仮決算）"
    FINAL = "final", "確定申告"
    AMENDED = "amended", "修正申告"


class CorporateReturnRecord(models.Model):
    """申告: one return of 法人市町村民税 as filed, with the engine's inputs and result. A 修正申告 names the
    return it corrects (``corrects``) and pays the increase over that return's total."""

    corporation = models.ForeignKey(Corporation, on_delete=models.PROTECT, related_name="returns",
                                    verbose_name="法人")
    corporate_number = models.CharField("法人番号", max_length=13)
    kind = models.CharField("申告の種類", max_length=20, choices=CorporateReturnKind.choices)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="amendments", verbose_name="修正する申告")
    fiscal_year = models.PositiveIntegerField("年度")  # the 年度 in which the 事業年度 ends
    period_start = models.DateField("事業年度の開始日")
    period_end = models.DateField("事業年度の終了日")
    capital = models.PositiveBigIntegerField("資本金等の額")
    capital_and_reserve = models.PositiveBigIntegerField("資本金＋資本準備金", default=0)
    employees = models.PositiveIntegerField("従業者数")
    corporate_tax = models.PositiveBigIntegerField("課税標準となる法人税額", default=0)
    office_from = models.DateField("事務所を有していた期間（自）", null=True, blank=True)
    office_until = models.DateField("事務所を有していた期間（至）", null=True, blank=True)
    previous_levy = models.PositiveBigIntegerField("前事業年度の法人税割額", null=True, blank=True)
    previous_months = models.PositiveSmallIntegerField("前事業年度の月数", null=True, blank=True)
    declared = models.PositiveBigIntegerField("既に申告した税額", null=True, blank=True)
    filed_on = models.DateField("申告日")
    due_on = models.DateField("申告納付期限")
    # the engine's result, as computed when filed
    capital_class = models.PositiveSmallIntegerField("資本金等の額の区分")
    months = models.PositiveSmallIntegerField("月数")
    per_capita_annual = models.PositiveBigIntegerField("均等割（年額）")
    per_capita = models.PositiveBigIntegerField("均等割額")
    tax_base = models.PositiveBigIntegerField("法人税割の課税標準")
    rate_text = models.CharField("法人税割の税率", max_length=10)
    corporate_tax_levy = models.PositiveBigIntegerField("法人税割額")
    total = models.PositiveBigIntegerField("税額")
    payable = models.PositiveBigIntegerField("納付すべき税額")
    explanation = models.JSONField("計算の説明", default=list)
    filed_by = models.CharField("入力者", max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tax_hojin_return"
        ordering = ["corporation_id", "period_start", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="amended") | Q(corrects__isnull=False),
                                   name="tax_hojin_return_amended_corrects"),
        ]
        indexes = [models.Index(fields=["corporate_number", "period_start"], name="tax_hojin_return_corp")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}〜{self.period_end}"
