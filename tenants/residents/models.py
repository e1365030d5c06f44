"""Residents registry tables (住民記録, tenant schema). Tables only: rules live in services.py.

History follows the standard's snapshot model (標準仕様 1.2.1): every approved change (異動) writes a
full new PersonVersion (履歴) per person; nothing is overwritten, the latest history_no is current.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from .dates import DatePrecision
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
    CANCELLED = "cancelled", "取消"  # the 転入・出生・記載 that recorded the person was cancelled (取消(減))


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
    RE_MOVE_IN = "re_move_in", "再転入"
    SPECIAL_MOVE_IN = "special_move_in", "特例転入"
    HOUSEHOLD_TRANSFER = "household_transfer", "世帯変更"
    CLERICAL_CORRECTION = "clerical_correction", "誤記修正"
    CANCEL_ADD = "cancel_add", "取消（増）"        # cancels a 消除 (転出・死亡・職権消除): back on the register
    CANCEL_REMOVE = "cancel_remove", "取消（減）"  # cancels a 記載 (転入・出生・職権記載): off the register
    CANCEL_CORRECT = "cancel_correct", "取消（修正）"  # cancels a 修正 (転居・世帯の異動・修正)


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
    # For a 不詳日 (標準仕様 1.1.8) the earliest day it can mean, for sorting and age; what the
    # register says is then in birth_date_note (「昭和10年月日不詳」), shown and printed instead.
    birth_date = models.DateField("生年月日")
    birth_date_precision = models.CharField("生年月日の精度", max_length=20, choices=DatePrecision.choices,
                                            default=DatePrecision.EXACT)
    birth_date_note = models.CharField("生年月日（記載のとおり）", max_length=40, blank=True)
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
    # 誤記修正: the earlier row (of this person) whose items this row corrects; that row is shown
    # as corrected. 取消: the change whose rows this row cancels (restoring the state before it).
    corrects_history_no = models.PositiveIntegerField("誤記修正の対象履歴番号", null=True, blank=True)
    cancels_change = models.ForeignKey(Change, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       verbose_name="取り消した異動")
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


class MeasureKind(models.TextChoices):
    """The stage of a 支援措置 (標準仕様 1.6): protection is the same in each."""

    PROVISIONAL = "provisional", "仮支援措置"           # while the 申出 is being checked
    FORMAL = "formal", "支援措置"
    PREVIOUS_ADDRESS = "previous_address", "前住所地の仮支援措置"  # the 申出者 has moved out


class RestrictedService(models.TextChoices):
    """支援措置の対象となる事務 (what the 申出 restricts)."""

    INSPECTION = "inspection", "住民基本台帳の一部の写しの閲覧"
    COPY = "copy", "住民票の写し等の交付"
    COPY_PREVIOUS = "copy_previous", "除票の写し等の交付（前住所）"
    FUHYO = "fuhyo", "戸籍の附票の写しの交付"
    FUHYO_PREVIOUS = "fuhyo_previous", "戸籍の附票の除票の写しの交付（前本籍）"


class SupportMeasure(models.Model):
    """支援措置 (DV・ストーカー・児童虐待等): protects the 申出者, the persons who asked with them
    (``subjects``), their household and their address. It is carried out by blocks of the 抑止
    engine (``Suppression`` rows with ``measure`` set) and does not lift itself when ``ends_on``
    passes (標準仕様 3.1): ending is an explicit act that needs a second approver."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_measures",
                               verbose_name="申出者")
    kind = models.CharField("種別", max_length=20, choices=MeasureKind.choices, default=MeasureKind.FORMAL)
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日")
    status = models.CharField(max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE)
    restricted_services = ArrayField(models.CharField(max_length=20, choices=RestrictedService.choices),
                                     default=list, verbose_name="対象となる事務")
    previous_municipality = models.CharField("前住所地の市区町村", max_length=100, blank=True)
    forwarded_to = models.CharField("転出先（転送先）", max_length=200, blank=True)
    extended_times = models.PositiveIntegerField("延長回数", default=0)
    note = models.CharField("備考", max_length=500, blank=True)
    created_by_id = models.BigIntegerField()
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField("終了理由", max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person"], name="residents_measure_person_idx",
                                condition=Q(status="active"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class MeasureSubject(models.Model):
    """併せて支援を求める者: a person protected by the 申出者's measure (e.g. their children)."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.PROTECT, related_name="subjects")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField("申出者との関係", max_length=30, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "person"], name="residents_subject_unique")]

    def __str__(self) -> str:
        return f"{self.measure_id}:{self.person_id}"


class Aggressor(models.Model):
    """加害者: a person the protected persons are protected from; their own requests are refused."""

    measure = models.ForeignKey(SupportMeasure, on_delete=models.PROTECT, related_name="aggressors")
    name = models.CharField("氏名", max_length=200)
    name_kana = models.CharField("氏名カナ", max_length=200, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    sex = models.CharField("性別", max_length=1, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="宛名番号（住民の場合）")
    note = models.CharField("備考", max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name


class MeasureRequestKind(models.TextChoices):
    END = "end", "支援措置の終了"


class MeasureRequest(models.Model):
    """Ending a 支援措置: asked by one member of staff, decided by another."""

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

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Process(models.TextChoices):
    """抑止の対象業務 (標準仕様 3.1)."""

    CHANGE = "change", "異動"
    CERTIFICATE = "certificate", "証明"
    INQUIRY = "inquiry", "照会"


class Severity(models.TextChoices):
    ERROR = "error", "エラー"    # the process is refused
    ALERT = "alert", "アラート"  # the process goes on behind a warning, with a stated purpose


class SuppressionReason(models.TextChoices):
    """抑止事由. 住民異動不受理 is 実装しない in the standard and has no entry."""

    SUPPORT_MEASURE = "support_measure", "支援措置"
    REMOVAL_CANDIDATE = "removal_candidate", "消除対象者"
    COURT_ORDER = "court_order", "裁判所等の命令"
    GUARDIANSHIP = "guardianship", "成年被後見人"
    OTHER = "other", "その他"


class Suppression(models.Model):
    """抑止 (標準仕様 3.1): a block on one process for one person, one household, or — with
    ``measure`` set and neither — everyone a 支援措置 protects. In force from ``starts_on`` until
    someone ends it (``ended_at``); ``ends_on`` is the planned end, shown and alerted, never applied
    by itself."""

    process = models.CharField("業務", max_length=12, choices=Process.choices)
    severity = models.CharField("区分", max_length=5, choices=Severity.choices)
    reason = models.CharField("抑止事由", max_length=20, choices=SuppressionReason.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(SupportMeasure, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="suppressions")
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日", null=True, blank=True)
    note = models.CharField("備考", max_length=500, blank=True)
    created_by_id = models.BigIntegerField()
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_username = models.CharField(max_length=150, blank=True)
    end_reason = models.CharField("解除理由", max_length=500, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(
            name="residents_suppression_one_target",
            condition=(Q(person__isnull=False, household__isnull=True)
                       | Q(person__isnull=True, household__isnull=False)
                       | Q(person__isnull=True, household__isnull=True, measure__isnull=False)))]
        indexes = [models.Index(fields=["process", "person"], name="residents_supp_person_idx",
                                condition=Q(ended_at__isnull=True)),
                   models.Index(fields=["process", "household"], name="residents_supp_household_idx",
                                condition=Q(ended_at__isnull=True)),
                   models.Index(fields=["process", "measure"], name="residents_supp_measure_idx",
                                condition=Q(ended_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}（{self.get_process_display()}{self.get_severity_display()}）"


class SuppressionLift(models.Model):
    """抑止の一時解除: lets the requesting member of staff past the error-level blocks of one process
    for one person — the blocks in force when asked, not later ones — once, until ``expires_at``.
    It reverts by itself, needs a second person (the 支援措置責任者 for a 支援措置), and is never
    sent to other systems (no outbox event)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    process = models.CharField("業務", max_length=12, choices=Process.choices)
    suppression_ids = ArrayField(models.BigIntegerField(), default=list)
    purpose = models.CharField("理由・目的", max_length=500)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    requested_by_id = models.BigIntegerField()
    requested_by_username = models.CharField(max_length=150)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_for = models.CharField("使用（発行番号）", max_length=60, blank=True)

    def __str__(self) -> str:
        return f"一時解除 #{self.pk}"


class AttemptKind(models.TextChoices):
    REFUSED = "refused", "拒否（エラー）"
    ALERTED = "alerted", "警告の上で照会"
    AGGRESSOR = "aggressor", "加害者からの請求"


class BlockedAttempt(models.Model):
    """抑止の記録: each refusal, each view behind a warning and each request by a 加害者, flagged
    to supervisors until acknowledged."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=AttemptKind.choices, default=AttemptKind.REFUSED)
    purpose = models.CharField("目的", max_length=200, blank=True)
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
    REMOVED_COPY = "removed_copy", "住民票の除票の写し"


class IssuanceOutcome(models.TextChoices):
    ISSUED = "issued", "交付"
    REFUSED = "refused", "不交付"
    DESTROYED = "destroyed", "処分"


class CertificateIssuance(models.Model):
    """交付履歴 (標準仕様 1.3.8): one row per request — 交付 with the 発行番号 of every copy, or
    不交付 with its reason — and a further row (処分) when a wrongly issued certificate is destroyed.
    Rows are never changed or deleted (database trigger): a 処分 is recorded beside the 交付 it
    concerns (``refers_to``), never written onto it."""

    outcome = models.CharField("結果", max_length=10, choices=IssuanceOutcome.choices, default=IssuanceOutcome.ISSUED)
    serial = models.CharField("発行番号", max_length=120, unique=True, null=True, blank=True)
    serials = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    kind = models.CharField("証明書種別", max_length=12, choices=CertificateKind.choices)
    layout = models.CharField("様式", max_length=12, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person_ids = ArrayField(models.BigIntegerField(), default=list)
    subject_names = ArrayField(models.CharField(max_length=210), default=list, blank=True)
    options = models.JSONField("記載事項", default=dict)
    requester_name = models.CharField("請求者", max_length=200)
    requester_relation = models.CharField("請求者と対象者の関係", max_length=30)
    purpose = models.CharField("使用目的", max_length=200)
    place = models.CharField("交付場所", max_length=100, blank=True)
    terminal = models.CharField("端末", max_length=50, blank=True)
    printer = models.CharField("プリンタ", max_length=50, blank=True)
    issued_by_id = models.BigIntegerField()
    issued_by_username = models.CharField(max_length=150)
    issued_at = models.DateTimeField(auto_now_add=True)
    copies = models.PositiveIntegerField("枚数（通数）", default=1)
    pages = models.PositiveIntegerField("頁数（1通）", default=1)
    sha256 = models.CharField(max_length=64, blank=True)
    reason = models.CharField("不交付・処分の理由", max_length=300, blank=True)
    reason_code = models.CharField(max_length=30, blank=True)
    refers_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="dispositions")
    overflow = models.JSONField("文字超過", default=list, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [GinIndex(fields=["serials"], name="residents_issuance_serials_gin")]

    def __str__(self) -> str:
        return self.serial or f"{self.get_outcome_display()} #{self.pk}"


class InspectionRequesterType(models.TextChoices):
    """閲覧の申出者の区分: 住民基本台帳法11条 (国・地方公共団体) or 11条の2 (個人・法人)."""

    GOVERNMENT = "government", "国又は地方公共団体の機関（法第11条）"
    CORPORATION = "corporation", "法人（法第11条の2）"
    INDIVIDUAL = "individual", "個人（法第11条の2）"


class InspectionRequest(models.Model):
    """閲覧申出: a request to inspect 住民基本台帳の一部の写し (氏名・出生の年月日・男女の別・住所 of the
    residents of a 町名/行政区, optionally an age range), decided by a second member of staff."""

    requester_type = models.CharField("申出者の区分", max_length=12, choices=InspectionRequesterType.choices)
    requester_name = models.CharField("申出者の氏名又は名称", max_length=200)
    requester_address = models.CharField("申出者の住所又は所在地", max_length=200)
    representative = models.CharField("代表者又は管理者", max_length=200, blank=True)
    viewers = models.CharField("閲覧者の氏名及び住所", max_length=1000, blank=True)
    purpose = models.CharField("利用の目的", max_length=500)
    data_handling = models.CharField("個人情報の管理の方法", max_length=500, blank=True)
    address_prefix = models.CharField("町名（住所の前方一致）", max_length=200, blank=True)
    district = models.CharField("行政区・地区", max_length=50, blank=True)
    age_min = models.PositiveSmallIntegerField("年齢（下限）", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("年齢（上限）", null=True, blank=True)
    age_on = models.DateField("年齢の基準日")
    status = models.CharField("状態", max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    requested_by_id = models.BigIntegerField()
    requested_by_username = models.CharField(max_length=150)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_username = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField("却下の理由", max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"閲覧申出 #{self.pk} ({self.get_status_display()})"
