"""賦課 (levy) tables of 国保: stored income data (所得), the town's rate tables (税率表) under a second-person
approval, and the assessments (賦課) computed from them. Imported by ``models.py`` so Django sees them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from kyodo import foureyes


class IncomeRecord(models.Model):
    """所得: one person's income of one calendar year (所得年, the year before the fiscal year levied),
    as imported from the tax system. Re-importing the same person and year replaces the amounts."""

    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    income_year = models.PositiveSmallIntegerField("所得年")
    total_income = models.BigIntegerField("総所得金額等", default=0)
    salary_revenue = models.BigIntegerField("給与収入", default=0)
    pension_revenue = models.BigIntegerField("公的年金等の収入金額", default=0)
    pension_income = models.BigIntegerField("公的年金等に係る雑所得", default=0)
    fixed_asset_tax = models.BigIntegerField("固定資産税額（資産割）", default=0)
    source = models.CharField("取込元", max_length=200)
    imported_at = models.DateTimeField("取込日時")
    imported_by = models.CharField("取込者", max_length=150)

    class Meta:
        ordering = ["person_id", "income_year"]
        constraints = [
            models.UniqueConstraint(fields=["person_id", "income_year"], name="nhi_income_person_year"),
            models.CheckConstraint(condition=Q(total_income__gte=0) & Q(salary_revenue__gte=0)
                                   & Q(pension_revenue__gte=0) & Q(pension_income__gte=0)
                                   & Q(fixed_asset_tax__gte=0), name="nhi_income_not_negative"),
        ]
        indexes = [models.Index(fields=["income_year"], name="nhi_income_year")]

    def __str__(self) -> str:
        return f"所得 {self.atena_number} {self.income_year}"


class TableStatus(models.TextChoices):
    PENDING = "pending", "決裁待ち"
    APPROVED = "approved", "承認済み"
    REJECTED = "rejected", "却下"


RATE_TABLE_DECISION = foureyes.Policy(
    reject_reason_field="rejection_reason",
    not_allowed="税率表を決裁する権限がありません。",
    already_decided="この税率表の提案は既に処理済みです。",
    own_request="自分が提案した税率表は決裁できません（別の職員が決裁します）。",
    reason_required="却下の理由を入力してください。",
)


class RateTable(models.Model):
    """税率表 of one fiscal year: the TOML structure of ``levy/data`` stored as JSON (validated with
    ``levy.parse_table``). A change is a new row proposed by one member of staff and approved by another;
    the approved row with ``is_current`` is the one the levy uses."""

    four_eyes = RATE_TABLE_DECISION

    fiscal_year = models.PositiveSmallIntegerField("年度")
    data = models.JSONField("税率表")
    note = models.CharField("提案理由", max_length=300, blank=True)
    status = models.CharField("状態", max_length=20, choices=TableStatus.choices, default=TableStatus.PENDING)
    is_current = models.BooleanField("適用中", default=False)
    requested_by_id = models.BigIntegerField("提案者", null=True, blank=True)  # None: seeded from the shipped file
    requested_by_username = models.CharField("提案者名", max_length=150)
    requested_at = models.DateTimeField("提案日時", auto_now_add=True)
    decided_by_id = models.BigIntegerField("決裁者", null=True, blank=True)
    decided_by_username = models.CharField("決裁者名", max_length=150, blank=True)
    decided_at = models.DateTimeField("決裁日時", null=True, blank=True)
    rejection_reason = models.CharField("却下理由", max_length=500, blank=True)

    class Meta:
        ordering = ["-fiscal_year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year"], condition=Q(is_current=True),
                                    name="nhi_ratetable_one_current"),
            models.CheckConstraint(condition=Q(is_current=False) | Q(status="approved"),
                                   name="nhi_ratetable_current_is_approved"),
        ]

    def __str__(self) -> str:
        return f"税率表 {self.fiscal_year}年度 #{self.pk}"


class Assessment(models.Model):
    """賦課: a household's 国民健康保険税 of one fiscal year as calculated. Each recalculation adds a row; the
    latest (``is_current``) is the household's levy. ``inputs_hash`` fingerprints what went in (persons,
    months, incomes, the table), so an unchanged recalculation is recognisable."""

    household_id = models.BigIntegerField("世帯（住民記録）")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    payer_person_id = models.BigIntegerField("納付義務者（住民記録）", null=True, blank=True)
    nominal_head = models.BooleanField("擬制世帯主", default=False)
    total = models.BigIntegerField("年税額")
    parts = models.JSONField("内訳")  # [{"key": "medical", "label": "医療分", "amount": 306900}, ...]
    reduction_level = models.PositiveSmallIntegerField("軽減割合", default=0)
    explanation = models.JSONField("計算の説明")  # the engine's lines, in order
    notes = models.JSONField("注記", default=list)
    partial = models.BooleanField("一部の区分のみ", default=False)
    rate_table = models.ForeignKey(RateTable, on_delete=models.PROTECT, related_name="+")
    inputs_hash = models.CharField("入力のハッシュ", max_length=64)
    is_current = models.BooleanField(default=True)
    run = models.CharField("計算の区分", max_length=20)  # single (単票) or bulk (一括)
    calculated_at = models.DateTimeField("計算日時")
    calculated_by = models.CharField("計算者", max_length=150)

    class Meta:
        ordering = ["household_id", "fiscal_year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household_id", "fiscal_year"], condition=Q(is_current=True),
                                    name="nhi_assessment_one_current"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "is_current"], name="nhi_assessment_year")]

    def __str__(self) -> str:
        return f"賦課 世帯{self.household_id} {self.fiscal_year}年度"
