"""国民健康保険の資格 (NHI eligibility) per town: history rows that are added, never overwritten, and the
作業 (work items) the residents registry's events propose.

Persons and households are referred to by the residents registry's ids (same town schema) as plain
integers with the 宛名番号 copied, not as foreign keys: NHI keeps its own history even when a residents
record is corrected or cancelled, its migrations do not depend on the registry's, and the registry's
rows are never deleted anyway (PROTECT), so nothing dangles."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class AcquisitionReason(models.TextChoices):
    """取得事由."""

    MOVE_IN = "move_in", "転入"
    LEFT_EMPLOYEE_INSURANCE = "left_employee_insurance", "社保離脱"
    BIRTH = "birth", "出生"
    WELFARE_ENDED = "welfare_ended", "生保廃止"
    OTHER = "other", "その他"


class LossReason(models.TextChoices):
    """喪失事由."""

    MOVE_OUT = "move_out", "転出"
    DEATH = "death", "死亡"
    JOINED_EMPLOYEE_INSURANCE = "joined_employee_insurance", "社保加入"
    WELFARE_STARTED = "welfare_started", "生保開始"
    LATE_ELDERLY = "late_elderly", "75歳到達（後期高齢者医療へ）"
    OTHER = "other", "その他"


class Enrolment(models.Model):
    """資格履歴: one row per state of a person's 資格. 取得 adds a row; 喪失 adds a row that repeats the
    取得 and carries the 喪失; the earlier row stays, no longer current (like PersonVersion)."""

    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    household_id = models.BigIntegerField("世帯（住民記録）")
    history_no = models.PositiveIntegerField("履歴番号")
    is_current = models.BooleanField(default=True)
    acquired_on = models.DateField("取得日")
    acquisition_reason = models.CharField("取得事由", max_length=30, choices=AcquisitionReason.choices)
    lost_on = models.DateField("喪失日", null=True, blank=True)
    loss_reason = models.CharField("喪失事由", max_length=30, choices=LossReason.choices, blank=True)
    is_retiree = models.BooleanField("退職者医療の対象", default=False)
    is_special_case = models.BooleanField("特例対象（旧被扶養者等）", default=False)
    work_item = models.ForeignKey("WorkItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("備考", max_length=200, blank=True)
    recorded_at = models.DateTimeField("処理日時", auto_now_add=True)
    recorded_by = models.CharField("処理者", max_length=150)

    class Meta:
        ordering = ["person_id", "history_no"]
        constraints = [
            models.UniqueConstraint(fields=["person_id", "history_no"], name="nhi_enrolment_history_no"),
            models.UniqueConstraint(fields=["person_id"], condition=Q(is_current=True),
                                    name="nhi_enrolment_one_current"),
            models.CheckConstraint(condition=Q(lost_on__isnull=True) | Q(lost_on__gte=models.F("acquired_on")),
                                   name="nhi_enrolment_lost_after_acquired"),
        ]

    def __str__(self) -> str:
        return f"資格 {self.atena_number} #{self.history_no}"

    @property
    def is_insured(self) -> bool:
        return self.lost_on is None


class PayerKind(models.TextChoices):
    HEAD = "head", "世帯主"
    DEEMED_HEAD = "deemed_head", "擬制世帯主"


class Payer(models.Model):
    """納付義務者 of a household (the 世帯主, or 擬制世帯主 when the 世帯主 is not insured); rows added."""

    household_id = models.BigIntegerField("世帯（住民記録）")
    history_no = models.PositiveIntegerField("履歴番号")
    is_current = models.BooleanField(default=True)
    person_id = models.BigIntegerField("納付義務者（住民記録）")
    kind = models.CharField("区分", max_length=20, choices=PayerKind.choices)
    valid_from = models.DateField("適用日")
    work_item = models.ForeignKey("WorkItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("処理日時", auto_now_add=True)
    recorded_by = models.CharField("処理者", max_length=150)

    class Meta:
        ordering = ["household_id", "history_no"]
        constraints = [
            models.UniqueConstraint(fields=["household_id", "history_no"], name="nhi_payer_history_no"),
            models.UniqueConstraint(fields=["household_id"], condition=Q(is_current=True),
                                    name="nhi_payer_one_current"),
        ]

    def __str__(self) -> str:
        return f"納付義務者 世帯{self.household_id} #{self.history_no}"


class WorkKind(models.TextChoices):
    ACQUIRE = "acquire", "資格取得"
    LOSE = "lose", "資格喪失"
    PAYER = "payer", "納付義務者の変更"


class WorkStatus(models.TextChoices):
    PENDING = "pending", "未処理"
    CONFIRMED = "confirmed", "確定"
    DISMISSED = "dismissed", "対象外"


class WorkItem(models.Model):
    """作業: what an event of another application proposes to this one, applied only when staff confirm it.

    Generic on purpose (kind + proposed values as JSON + the source event): 税務 can keep the same shape.
    ``(source_event_id, kind, person_id)`` is unique, so an event handled twice proposes nothing twice
    (the relay's HandledEvent already prevents that; this holds for a manual re-run as well)."""

    kind = models.CharField("作業の種類", max_length=20, choices=WorkKind.choices)
    status = models.CharField("状態", max_length=20, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    person_id = models.BigIntegerField("対象者（住民記録）")
    household_id = models.BigIntegerField("世帯（住民記録）")
    proposed = models.JSONField("提案内容", default=dict)  # e.g. {"date": "2024-04-01", "reason": "move_in"}
    summary = models.CharField("概要", max_length=300)
    source_event_id = models.UUIDField("発生元イベント")
    source_event_type = models.CharField("発生元イベントの種類", max_length=60)
    source_change_id = models.BigIntegerField("発生元の異動", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decision_note = models.CharField("処理メモ", max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source_event_id", "kind", "person_id"], name="nhi_workitem_once"),
        ]
        indexes = [models.Index(fields=["status", "household_id"], name="nhi_workitem_pending")]

    def __str__(self) -> str:
        return self.summary


class InsuredNumber(models.Model):
    """被保険者記号・番号 of a person, assigned once at the first 資格確認書 and kept for life in this town:
    記号 = the town's 5-digit code, 番号 = a 6-digit per-town sequence + one check digit (Luhn, mod 10)."""

    person_id = models.BigIntegerField("個人（住民記録）", unique=True)
    symbol = models.CharField("記号", max_length=8)
    number = models.CharField("番号", max_length=8, unique=True)
    assigned_at = models.DateTimeField("付番日時", auto_now_add=True)

    def __str__(self) -> str:
        return f"記号 {self.symbol} 番号 {self.number}"


class CardKind(models.TextChoices):
    """交付する書類: 資格確認書 for a person without a マイナ保険証, 資格情報のお知らせ for a holder."""

    CERTIFICATE = "certificate", "資格確認書"
    NOTICE = "notice", "資格情報のお知らせ"


class CardReason(models.TextChoices):
    """交付事由."""

    NEW = "new", "新規"
    REISSUE = "reissue", "再交付"
    RENEWAL = "renewal", "更新"


class ReissueCause(models.TextChoices):
    """再交付の理由."""

    LOST = "lost", "紛失"
    DAMAGED = "damaged", "破損"


class CardIssuance(models.Model):
    """資格確認書・資格情報のお知らせの交付履歴: one row per document issued, never updated except its marks
    (返還 or 廃棄, and 無効 when a 再交付 or 更新 replaces it) — a database trigger holds that."""

    person_id = models.BigIntegerField("個人（住民記録）")
    atena_number = models.CharField("宛名番号", max_length=12)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name="資格履歴")
    kind = models.CharField("種類", max_length=20, choices=CardKind.choices)
    serial_year = models.PositiveIntegerField("発行年")
    serial_no = models.PositiveIntegerField("発行番号（年内の連番）")
    symbol = models.CharField("記号", max_length=8)
    number = models.CharField("番号", max_length=8)
    valid_until = models.DateField("有効期限")
    copay = models.CharField("一部負担金の割合", max_length=30)
    copay_from = models.DateField("発効期日", null=True, blank=True)
    reason = models.CharField("交付事由", max_length=20, choices=CardReason.choices)
    reissue_cause = models.CharField("再交付の理由", max_length=20, choices=ReissueCause.choices, blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="置き換えた交付")
    issued_on = models.DateField("交付年月日")
    issued_at = models.DateTimeField("交付日時", auto_now_add=True)
    issued_by = models.CharField("交付者", max_length=150)
    printed = models.JSONField("記載事項", default=list)  # [(label, value)] as printed: a download re-draws these
    sha256 = models.CharField("交付時のPDFのSHA-256", max_length=64)
    # The marks: set once each, by card_return / the replacing issuance, never cleared.
    invalidated_at = models.DateTimeField("無効とした日時", null=True, blank=True)
    invalidated_reason = models.CharField("無効の理由", max_length=40, blank=True)
    returned_at = models.DateTimeField("返還日時", null=True, blank=True)
    returned_by = models.CharField("返還の受付者", max_length=150, blank=True)
    destroyed = models.BooleanField("廃棄済み", default=False)

    MARKS = ("invalidated_at", "invalidated_reason", "returned_at", "returned_by", "destroyed")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["serial_year", "serial_no"], name="nhi_card_serial"),
            models.CheckConstraint(condition=~Q(reason="reissue") | ~Q(reissue_cause=""),
                                   name="nhi_card_reissue_has_cause"),
        ]
        indexes = [models.Index(fields=["person_id", "-issued_at"], name="nhi_card_person")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    @property
    def serial(self) -> str:
        """発行番号 as printed: the year and the number within the town's year."""
        return f"{self.serial_year}-{self.serial_no:06d}"

    @property
    def is_in_force(self) -> bool:
        return self.invalidated_at is None and self.returned_at is None


from .levy_models import Assessment, IncomeRecord, RateTable, TableStatus  # noqa: E402,F401  (賦課: see levy_models)
