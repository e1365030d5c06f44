"""Residents registry tables (住民記録, tenant schema). Tables only: rules live in services.py.

History follows the standard's snapshot model (標準仕様 1.2.1): every approved change (異動) writes a
full new PersonVersion (履歴) per person; nothing is overwritten, the latest history_no is current.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from .foreign import AliasAction, Article30_45, ResidentKind


class Counter(models.Model):
    """採番: per-town counters (宛名番号, 世帯番号, 発行番号); locked FOR UPDATE while numbering."""

    name = models.CharField(max_length=30, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Household(models.Model):
    """世帯: the head (世帯主) and members are recorded on each member's PersonVersion."""

    number = models.CharField("世帯番号", max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """個人: the stable identity of a resident; every other item lives in PersonVersion."""

    atena_number = models.CharField("宛名番号", max_length=12, unique=True)
    resident_code = models.CharField("住民票コード", max_length=11, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.atena_number


class ResidentStatus(models.TextChoices):
    RESIDENT = "resident", "住民"
    MOVING_OUT = "moving_out", "転出予定"  # 転出 approved with a future 転出予定日: still a resident until then
    MOVED_OUT = "moved_out", "転出"
    DECEASED = "deceased", "死亡"
    REMOVED = "removed", "職権消除"


# Still on the registry: searchable, a household member, served at the counter (住民 and 転出予定).
ON_REGISTER = (ResidentStatus.RESIDENT, ResidentStatus.MOVING_OUT)


class ChangeKind(models.TextChoices):
    """異動の種類."""

    MOVE_IN = "move_in", "転入"
    MOVE_OUT = "move_out", "転出"
    RELOCATION = "relocation", "転居"
    BIRTH = "birth", "出生"
    DEATH = "death", "死亡"
    HOUSEHOLD_SPLIT = "household_split", "世帯分離"
    HOUSEHOLD_MERGE = "household_merge", "世帯合併"
    HEAD_CHANGE = "head_change", "世帯主変更"
    EX_OFFICIO_RECORD = "ex_officio_record", "職権記載"
    EX_OFFICIO_CORRECT = "ex_officio_correct", "職権修正"
    EX_OFFICIO_REMOVE = "ex_officio_remove", "職権消除"
    INITIAL_LOAD = "initial_load", "初期移行"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "仮登録"
    APPROVED = "approved", "本登録（決裁済）"
    REJECTED = "rejected", "差戻し"


class Change(models.Model):
    """異動: entered as 仮登録 (pending); applied to PersonVersion rows only when another staff
    member approves it (審査・決裁)."""

    kind = models.CharField("異動の種類", max_length=30, choices=ChangeKind.choices)
    status = models.CharField("状態", max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    notified_on = models.DateField("届出日")
    effective_on = models.DateField("異動日")
    reason_code = models.CharField("異動事由", max_length=10)
    payload = models.JSONField("入力内容", default=dict)
    summary = models.CharField("概要", max_length=300, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    entered_by_id = models.BigIntegerField()
    entered_by_username = models.CharField(max_length=150)
    entered_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField("差戻し理由", max_length=500, blank=True)

    class Meta:
        ordering = ["-entered_at"]
        indexes = [
            models.Index(fields=["status", "entered_at"], name="residents_change_queue_idx"),
            GinIndex(fields=["person_ids"], name="residents_change_persons_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class PersonVersion(models.Model):
    """住民票の履歴 (one full snapshot per person per approved change; 履歴番号 = history_no)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="versions")
    history_no = models.PositiveIntegerField("履歴番号")
    change = models.ForeignKey(Change, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField("異動日（適用日）")
    recorded_at = models.DateTimeField("処理日時", auto_now_add=True)
    is_current = models.BooleanField(default=True)
    status = models.CharField("住民状態", max_length=12, choices=ResidentStatus.choices)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="member_versions")
    relationship = models.CharField("続柄", max_length=30)
    family_name = models.CharField("氏", max_length=100)
    given_name = models.CharField("名", max_length=100)
    family_name_kana = models.CharField("氏カナ", max_length=100)
    given_name_kana = models.CharField("名カナ", max_length=100)
    birth_date = models.DateField("生年月日")
    sex = models.CharField("性別", max_length=1)
    became_resident_on = models.DateField("住民となった年月日")
    address_set_on = models.DateField("住所を定めた年月日")
    notified_on = models.DateField("届出年月日")
    address = models.CharField("住所", max_length=200)
    katagaki = models.CharField("方書", max_length=100, blank=True)
    district = models.CharField("行政区・地区", max_length=50, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    honseki = models.CharField("本籍", max_length=200)
    hittousha = models.CharField("筆頭者", max_length=100)
    previous_address = models.CharField("転入前住所", max_length=200, blank=True)
    destination = models.CharField("転出先", max_length=200, blank=True)
    # --- 住民種別, 旧氏 (標準仕様 1.1.1) and the 外国人住民 items (1.1.2); see foreign.py ---
    resident_kind = models.CharField("住民種別", max_length=10, choices=ResidentKind.choices,
                                     default=ResidentKind.JAPANESE)
    former_family_name = models.CharField("旧氏", max_length=100, blank=True, default="")
    former_family_name_kana = models.CharField("旧氏カナ", max_length=100, blank=True, default="")
    alphabet_name = models.CharField("氏名（アルファベット表記）", max_length=200, blank=True, default="")
    alias_name = models.CharField("通称", max_length=200, blank=True, default="")
    alias_name_kana = models.CharField("通称カナ", max_length=200, blank=True, default="")
    nationality = models.CharField("国籍・地域", max_length=3, blank=True, default="")
    article_30_45 = models.CharField("法第30条の45に規定する区分", max_length=30, choices=Article30_45.choices,
                                     blank=True, default="")
    residence_status = models.CharField("在留資格", max_length=50, blank=True, default="")
    period_of_stay = models.CharField("在留期間", max_length=20, blank=True, default="")
    stay_expires_on = models.DateField("在留期間の満了日", null=True, blank=True)
    card_number = models.CharField("在留カード等の番号", max_length=12, blank=True, default="")
    alpha_full = models.TextField(default="")       # folded alphabet name (foreign.fold_alphabet)
    alias_full = models.TextField(default="")       # folded 通称 (search.fold_name)
    alias_kana_full = models.TextField(default="")  # folded 通称カナ (search.fold_kana)
    # Folded search keys (see search.py and docs/residents.md); indexed for prefix search.
    kana_full = models.TextField(default="")
    kana_given = models.TextField(default="")
    name_full = models.TextField(default="")
    name_given = models.TextField(default="")

    class Meta:
        ordering = ["person_id", "history_no"]
        constraints = [
            models.UniqueConstraint(fields=["person", "history_no"], name="residents_version_unique"),
            models.UniqueConstraint(fields=["person"], condition=Q(is_current=True),
                                    name="residents_one_current_version"),
        ]
        indexes = [
            models.Index(fields=["kana_full"], name="residents_kana_full_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["kana_given"], name="residents_kana_given_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["name_full"], name="residents_name_full_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["name_given"], name="residents_name_given_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["household"], name="residents_version_hh_idx", condition=Q(is_current=True)),
            models.Index(fields=["alpha_full"], name="residents_alpha_full_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["alias_full"], name="residents_alias_full_idx", opclasses=["text_pattern_ops"],
                         condition=Q(is_current=True)),
            models.Index(fields=["alias_kana_full"], name="residents_alias_kana_idx",
                         opclasses=["text_pattern_ops"], condition=Q(is_current=True)),
            models.Index(fields=["person", "valid_from"], name="residents_version_asof_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}#{self.history_no}"

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}\u3000{self.given_name_kana}"

    @property
    def is_head(self) -> bool:
        return self.relationship == "世帯主"


class AliasEntry(models.Model):
    """通称履歴 (標準仕様 1.1.2): each 記載 or 削除 of a 外国人住民's 通称, with the date and the
    市区町村 where it was done. Rows are only added (a 削除 is a new row, never an edit)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="alias_entries")
    change = models.ForeignKey(Change, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("記載・削除", max_length=10, choices=AliasAction.choices)
    alias_name = models.CharField("通称", max_length=200)
    alias_name_kana = models.CharField("通称カナ", max_length=200, blank=True)
    done_on = models.DateField("年月日")
    municipality = models.CharField("市区町村", max_length=100)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "done_on", "id"]

    def __str__(self) -> str:
        return f"通称{self.get_action_display()} {self.alias_name}"


class PersonalNumber(models.Model):
    """個人番号: kept apart from the 住民票 items, encrypted (AES-GCM); only the last 4 digits clear."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="personal_number")
    ciphertext = models.BinaryField()
    last4 = models.CharField(max_length=4)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"個人番号 ●●●●●●●●{self.last4}"


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", "実施中"
    ENDED = "ended", "終了"


class SupportMeasure(models.Model):
    """支援措置 (DV・ストーカー等): while active, nothing showing the address leaves the system.

    It does not lift itself when ends_on passes (標準仕様 3.1); ending needs a second approver."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_measures")
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日")
    status = models.CharField(max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE)
    note = models.CharField("備考", max_length=500, blank=True)
    created_by_id = models.BigIntegerField()
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person"], name="residents_measure_person_idx",
                                condition=Q(status="active"))]

    def __str__(self) -> str:
        return f"支援措置 #{self.pk} ({self.get_status_display()})"


class Aggressor(models.Model):
    """加害者: a person the protected person is protected from."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.PROTECT, related_name="aggressors")
    name = models.CharField("氏名", max_length=200)
    name_kana = models.CharField("氏名カナ", max_length=200, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("備考", max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name


class MeasureRequestKind(models.TextChoices):
    EXCEPTION = "exception", "一時解除（例外）"
    END = "end", "支援措置の終了"


class MeasureRequest(models.Model):
    """A request that needs a second staff member: a temporary exception or ending the measure."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=10, choices=MeasureRequestKind.choices)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    purpose = models.CharField("理由・目的", max_length=500)
    requested_by_id = models.BigIntegerField()
    requested_by_username = models.CharField(max_length=150)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class BlockedAttempt(models.Model):
    """支援措置による出力拒否: each refused attempt, flagged to supervisors until acknowledged."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=30)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by_username = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.channel} by {self.actor_username}"


class CertificateKind(models.TextChoices):
    COPY = "copy", "住民票の写し"
    ITEMS = "items", "住民票記載事項証明書"
    MOVE_OUT = "move_out", "転出証明書"


class CertificateIssuance(models.Model):
    """交付履歴: one row per certificate issued, with its 発行番号."""

    serial = models.CharField("発行番号", max_length=60, unique=True)
    kind = models.CharField("証明書種別", max_length=10, choices=CertificateKind.choices)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person_ids = ArrayField(models.BigIntegerField(), default=list)
    options = models.JSONField("記載事項", default=dict)
    requester_name = models.CharField("請求者", max_length=200)
    requester_relation = models.CharField("請求者と対象者の関係", max_length=30)
    purpose = models.CharField("使用目的", max_length=200)
    issued_by_id = models.BigIntegerField()
    issued_by_username = models.CharField(max_length=150)
    issued_at = models.DateTimeField(auto_now_add=True)
    pages = models.PositiveIntegerField("枚数", default=1)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial
