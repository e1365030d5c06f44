"""個人住民税's tables: 納税義務者 (as of 1 January), 所得資料 and 税額.

Persons are the residents registry's ids (same town schema) as plain integers with the 宛名番号 copied, as
tenants/nhi/models.py does; the 特別徴収義務者 (employer) is named by its 指定番号 and name, not a foreign key."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = ["Assessment", "IncomeImport", "IncomeKind", "IncomeReport", "Taxpayer"]


class Taxpayer(models.Model):
    """納税義務者: a person on the town's register on 1 January of the fiscal year (賦課期日), with the name,
    address and household of that day copied from the registry's history. ``mail_*`` is the 送付先 (the
    address notices go to), first the 1 January address, then changed by a confirmed 住所変更 作業."""

    fiscal_year = models.PositiveSmallIntegerField("年度")
    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    name = models.CharField("氏名", max_length=200)
    name_kana = models.CharField("氏名カナ", max_length=200, blank=True)
    birth_date = models.DateField("生年月日")
    address = models.CharField("住所（1月1日）", max_length=200)
    katagaki = models.CharField("方書（1月1日）", max_length=100, blank=True)
    household_id = models.BigIntegerField("世帯（1月1日）")
    is_head = models.BooleanField("世帯主", default=False)
    mail_address = models.CharField("送付先住所", max_length=200)
    mail_katagaki = models.CharField("送付先方書", max_length=100, blank=True)
    mail_changed_at = models.DateTimeField("送付先の変更日時", null=True, blank=True)
    linked_at = models.DateTimeField("抽出日時", auto_now_add=True)
    linked_by = models.CharField("抽出者", max_length=150)

    class Meta:
        db_table = "tax_juminzei_taxpayer"
        ordering = ["fiscal_year", "atena_number"]
        constraints = [models.UniqueConstraint(fields=["fiscal_year", "person_id"], name="tax_jz_taxpayer_once")]
        indexes = [models.Index(fields=["fiscal_year", "atena_number"], name="tax_jz_taxpayer_atena"),
                   models.Index(fields=["person_id"], name="tax_jz_taxpayer_person")]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.atena_number} {self.name}"


class IncomeKind(models.TextChoices):
    """所得資料の種類."""

    SALARY = "salary", "給与支払報告書"
    PENSION = "pension", "公的年金等支払報告書"
    DECLARATION = "declaration", "申告"


class IncomeImport(models.Model):
    """One imported 所得資料 file (committed whole or not at all)."""

    fiscal_year = models.PositiveSmallIntegerField("年度")
    filename = models.CharField("ファイル名", max_length=200)
    rows = models.PositiveIntegerField("件数")
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)
    imported_by = models.CharField("取込者", max_length=150)

    class Meta:
        db_table = "tax_juminzei_income_import"
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.rows}件）"


class IncomeReport(models.Model):
    """所得資料: one 給与支払報告書, 公的年金等支払報告書 or 申告 of last year's income, for the fiscal year's tax.
    A report of the same person, kind and 特別徴収義務者 imported again replaces the earlier one.

    ``pension_revenue`` is the 公的年金等の収入金額 (the engine computes its 雑所得 with the 公的年金等控除);
    ``other_income`` is any other 所得 as the report states it (事業所得 …, or a pension's 雑所得 already
    computed). The deduction facts are the engine's (``engine.Taxpayer``)."""

    fiscal_year = models.PositiveSmallIntegerField("年度")
    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    kind = models.CharField("種類", max_length=20, choices=IncomeKind.choices)
    payer_number = models.CharField("特別徴収義務者 指定番号", max_length=20, blank=True)
    payer_name = models.CharField("特別徴収義務者名", max_length=100, blank=True)
    salary_revenue = models.BigIntegerField("給与収入", default=0)
    other_income = models.BigIntegerField("給与以外の所得", default=0)
    pension_revenue = models.BigIntegerField("公的年金等収入", default=0)
    social_insurance = models.BigIntegerField("社会保険料控除", default=0)
    other_deductions = models.BigIntegerField("その他の所得控除", default=0)
    dependants = models.JSONField("配偶者・扶養親族", default=list)
    disabilities = models.JSONField("障害者控除", default=list)
    flags = models.JSONField("本人の区分", default=list)  # disabled, minor, widow, single_parent_*, …
    source = models.ForeignKey(IncomeImport, on_delete=models.PROTECT, related_name="reports", verbose_name="取込")
    line = models.PositiveIntegerField("行")

    class Meta:
        db_table = "tax_juminzei_income_report"
        ordering = ["fiscal_year", "person_id", "kind", "payer_number"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "person_id", "kind", "payer_number"],
                                    name="tax_jz_income_once"),
            models.CheckConstraint(condition=Q(salary_revenue__gte=0) & Q(other_income__gte=0)
                                   & Q(social_insurance__gte=0) & Q(other_deductions__gte=0),
                                   name="tax_jz_income_not_negative"),
            models.CheckConstraint(condition=Q(pension_revenue__gte=0), name="tax_jz_income_pension_not_negative"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "person_id"], name="tax_jz_income_person")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.atena_number}"


class Assessment(models.Model):
    """税額: one person's 個人住民税 for one fiscal year. Rows are added (a recalculation marks the earlier
    row not current); ``status`` is ``ok`` or ``unsupported`` (a case the engine knowingly refuses, with the
    reason — staff decide it by hand). ``notice_no`` is set when the 納税通知書 / 税額決定通知書 is issued."""

    fiscal_year = models.PositiveSmallIntegerField("年度")
    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    name = models.CharField("氏名", max_length=200)
    is_current = models.BooleanField(default=True)
    status = models.CharField("状態", max_length=20, default="ok")  # ok / unsupported
    reason = models.CharField("計算できない理由", max_length=300, blank=True)
    salary_income = models.BigIntegerField("給与所得", default=0)
    total_income = models.BigIntegerField("合計所得金額", default=0)
    deductions = models.BigIntegerField("所得控除", default=0)
    taxable_income = models.BigIntegerField("課税総所得金額", default=0)
    city_adjustment = models.BigIntegerField("調整控除（市町村）", default=0)
    prefecture_adjustment = models.BigIntegerField("調整控除（県）", default=0)
    city_income_levy = models.BigIntegerField("所得割（市町村）", default=0)
    prefecture_income_levy = models.BigIntegerField("所得割（県）", default=0)
    city_per_capita = models.BigIntegerField("均等割（市町村）", default=0)
    prefecture_per_capita = models.BigIntegerField("均等割（県）", default=0)
    forest_environment_tax = models.BigIntegerField("森林環境税", default=0)
    total = models.BigIntegerField("年税額", default=0)
    exempt = models.CharField("非課税", max_length=20, blank=True)
    collection = models.CharField("徴収方法", max_length=20, default="ordinary")  # ordinary / special
    payer_number = models.CharField("特別徴収義務者 指定番号", max_length=20, blank=True)
    payer_name = models.CharField("特別徴収義務者名", max_length=100, blank=True)
    instalments = models.JSONField("期別", default=list)  # [[期 or 月, 金額], …]
    explanation = models.JSONField("計算の内訳", default=list)
    calculated_at = models.DateTimeField("計算日時")
    calculated_by = models.CharField("計算者", max_length=150)
    notice_no = models.CharField("通知書番号", max_length=30, blank=True)
    issued_at = models.DateTimeField("発付日時", null=True, blank=True)
    issued_by = models.CharField("発付者", max_length=150, blank=True)

    class Meta:
        db_table = "tax_juminzei_assessment"
        ordering = ["fiscal_year", "atena_number", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "person_id"], condition=Q(is_current=True),
                                    name="tax_jz_assessment_current"),
            models.CheckConstraint(condition=Q(total__gte=0), name="tax_jz_assessment_not_negative"),
        ]
        indexes = [models.Index(fields=["person_id", "fiscal_year"], name="tax_jz_assessment_person")]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.atena_number} {self.total:,}円"
