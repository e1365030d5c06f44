"""税務's tables, per town. This module holds what the three taxes share — the 作業 (work items) that events
and 登記済通知 propose, and the 調定・収納 ledger the 納税通知書 create and the 滞納管理 vendor writes back to —
and imports each tax's own models (``juminzei``, ``hojin``, ``kotei``) so Django finds them in one app.

Persons are referred to by the residents registry's ids (same town schema) as plain integers with the
宛名番号 copied, and corporations by their 法人番号, not as foreign keys (as 国保 does, tenants/nhi/models.py):
tax keeps its own history even when a residents record is corrected, and its migrations do not depend on
the registry's."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TaxKind(models.TextChoices):
    """税目."""

    JUMINZEI = "juminzei", "個人住民税"
    HOJIN = "hojin", "法人住民税"
    KOTEI = "kotei", "固定資産税"


class WorkKind(models.TextChoices):
    """作業の種類."""

    ADDRESS_CHANGE = "address_change", "住所変更（送付先）"
    HEIR_REPRESENTATIVE = "heir_representative", "相続人代表者の指定"
    MOVED_IN = "moved_in", "転入者の課税確認"
    REVALUATION = "revaluation", "評価変更（登記済通知）"


class WorkStatus(models.TextChoices):
    PENDING = "pending", "未処理"
    CONFIRMED = "confirmed", "確定"
    ADJUSTED = "adjusted", "評価を修正して確定"
    REJECTED = "rejected", "却下"
    DISMISSED = "dismissed", "対象外"


class WorkItem(models.Model):
    """作業: what another application's event or a 登記済通知 proposes to 税務課, applied only when staff decide
    it (confirm, adjust, or reject with a reason). ``(source_key, tax, kind, subject_key)`` is unique, so an event
    or a notice handled twice proposes nothing twice (and each tax gets its own 作業 of one event)."""

    kind = models.CharField("作業の種類", max_length=30, choices=WorkKind.choices)
    tax = models.CharField("税目", max_length=20, choices=TaxKind.choices)
    status = models.CharField("状態", max_length=20, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    person_id = models.BigIntegerField("対象者（住民記録）", null=True, blank=True)
    atena_number = models.CharField("宛名番号", max_length=12, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    parcel_id = models.BigIntegerField("土地・家屋", null=True, blank=True)
    subject_key = models.CharField("対象のキー", max_length=40)  # "person:12", "corporation:…", "parcel:7"
    proposed = models.JSONField("提案内容", default=dict)
    summary = models.CharField("概要", max_length=300)
    source_key = models.CharField("発生元", max_length=80)  # "event:<uuid>" or "notice:<id>"
    source_type = models.CharField("発生元の種類", max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decision_note = models.CharField("処理メモ・却下の理由", max_length=200, blank=True)

    class Meta:
        db_table = "tax_workitem"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source_key", "tax", "kind", "subject_key"], name="tax_workitem_once"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(decision_note=""),
                                   name="tax_workitem_reject_has_reason"),
        ]
        indexes = [models.Index(fields=["tax", "status"], name="tax_workitem_pending")]

    def __str__(self) -> str:
        return self.summary


class SubjectKind(models.TextChoices):
    PERSON = "person", "個人"
    CORPORATION = "corporation", "法人"


class Charge(models.Model):
    """調定: one 期 (instalment) of a tax a 納税通知書 (or a 特別徴収 notice) asked for. Rows are added when a
    notice is issued; a later notice for the same subject, tax and year (更正) marks the earlier rows not
    current. The 滞納管理 vendor reads these and writes 収納 (:class:`Payment`) against them."""

    tax = models.CharField("税目", max_length=20, choices=TaxKind.choices)
    fiscal_year = models.PositiveIntegerField("年度")
    subject_kind = models.CharField("納税者の区分", max_length=20, choices=SubjectKind.choices)
    person_id = models.BigIntegerField("納税者（住民記録）", null=True, blank=True)
    atena_number = models.CharField("宛名番号", max_length=12, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    name = models.CharField("納税者名", max_length=200)
    notice_no = models.CharField("通知書番号", max_length=30)
    instalment = models.PositiveSmallIntegerField("期別")  # 1–4 (普通徴収), 6–17 for 特別徴収's months, 0 = 随時
    collection = models.CharField("徴収方法", max_length=20)  # "ordinary" (普通徴収) / "special" (特別徴収)
    amount = models.PositiveBigIntegerField("調定額")
    due_on = models.DateField("納期限")
    is_current = models.BooleanField(default=True)
    issued_at = models.DateTimeField("発付日時", auto_now_add=True)
    issued_by = models.CharField("発付者", max_length=150)

    class Meta:
        db_table = "tax_charge"
        ordering = ["tax", "fiscal_year", "notice_no", "instalment"]
        constraints = [
            models.UniqueConstraint(fields=["notice_no", "instalment"], name="tax_charge_notice_instalment"),
            models.CheckConstraint(
                condition=(Q(subject_kind="person", person_id__isnull=False, corporate_number="")
                           | Q(subject_kind="corporation", person_id__isnull=True) & ~Q(corporate_number="")),
                name="tax_charge_one_subject"),
        ]
        indexes = [models.Index(fields=["person_id", "tax", "fiscal_year"], name="tax_charge_person"),
                   models.Index(fields=["corporate_number", "tax", "fiscal_year"], name="tax_charge_corporation")]

    def __str__(self) -> str:
        return f"{self.get_tax_display()} {self.fiscal_year}年度 {self.notice_no} 第{self.instalment}期"


class Payment(models.Model):
    """収納: a payment against a :class:`Charge` — entered by staff or written back by the 滞納管理 vendor.
    ``idempotency_key`` (per writer) makes a retried write-back record nothing twice."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="payments", verbose_name="調定")
    amount = models.PositiveBigIntegerField("収納額")
    paid_on = models.DateField("収納日")
    channel = models.CharField("収納方法", max_length=30)  # 窓口, 口座振替, コンビニ, 滞納整理 …
    recorded_by = models.CharField("記録者", max_length=150)  # staff username or the vendor's client id
    idempotency_key = models.CharField("冪等キー", max_length=100, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tax_payment"
        ordering = ["paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="tax_payment_idempotent"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tax_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"収納 {self.amount:,}円（{self.paid_on}）"


class DelinquencyStage(models.TextChoices):
    """滞納整理の状況 (what the 滞納管理 system reports)."""

    REMINDED = "reminded", "督促"
    URGED = "urged", "催告"
    INSTALMENT_PLAN = "instalment_plan", "分納誓約"
    SEIZED = "seized", "差押"
    SUSPENDED = "suspended", "執行停止"
    CLOSED = "closed", "完結"


class DelinquencyStatus(models.Model):
    """滞納整理の状況 of a :class:`Charge`, as written back by the 滞納管理 vendor; rows added, latest current."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="statuses", verbose_name="調定")
    stage = models.CharField("状況", max_length=20, choices=DelinquencyStage.choices)
    as_of = models.DateField("基準日")
    note = models.CharField("備考", max_length=200, blank=True)
    recorded_by = models.CharField("記録者", max_length=150)
    idempotency_key = models.CharField("冪等キー", max_length=100, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tax_delinquency_status"
        ordering = ["charge_id", "as_of", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="tax_delinquency_idempotent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}（{self.as_of}）"


from .hojin.models import *  # noqa: E402,F401,F403
from .juminzei.models import *  # noqa: E402,F401,F403
from .kotei.models import *  # noqa: E402,F401,F403
from .tainou.models import *  # noqa: E402,F401,F403
