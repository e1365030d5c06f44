"""業務配分's tables, per town: offices, their daily calendar, the tasks and what happened to each, and the plans
made (with the figures that explain them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OfficeKind(models.TextChoices):
    MAIN = "main", "本庁"
    BRANCH = "branch", "支所"
    SUB_BRANCH = "sub_branch", "出張所"


class Office(models.Model):
    """庁舎: 本庁, 支所 or 出張所, with its opening hours and one member of staff's daily work time."""

    code = models.SlugField("庁舎コード", max_length=30, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("種別", max_length=20, choices=OfficeKind.choices)
    opens_at = models.TimeField("開庁時刻")
    closes_at = models.TimeField("閉庁時刻")
    work_minutes = models.PositiveIntegerField("1日の勤務時間（分）", default=465)
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "assignments_office"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """日々の体制: one office on one day — 出勤職員数 (after leave), 固定業務時間 per member (庶務・会議・施設), the day's
    標準窓口処理時間 (the month's average counter counts × standard times), the 繁忙係数 (proposed from history and
    holidays, editable) and time released by shortened opening hours."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="days", verbose_name="庁舎")
    day = models.DateField("日付")
    staff_on_duty = models.PositiveIntegerField("出勤職員数")
    fixed_minutes = models.PositiveIntegerField("固定業務時間（分・1人あたり）")
    counter_minutes = models.PositiveIntegerField("標準窓口処理時間（分）")
    busy = models.DecimalField("繁忙係数", max_digits=2, decimal_places=1, default=1)
    busy_proposed = models.DecimalField("繁忙係数（提案値）", max_digits=2, decimal_places=1, default=1)
    released_minutes = models.PositiveIntegerField("短縮開庁で生じた時間（分）", default=0)
    counter_count = models.PositiveIntegerField("窓口処理件数（実績）", null=True, blank=True)
    note = models.CharField("備考", max_length=200, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "assignments_calendar_day"
        ordering = ["day", "office__code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="assignments_calendar_once"),
            models.CheckConstraint(condition=Q(busy__gte=1) & Q(busy__lte=1.5), name="assignments_busy_range"),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.day}"


class TaskKind(models.TextChoices):
    """申請の種類 (オンライン申請) and the back-office work each means."""

    MOVE_IN_RESERVATION = "move_in_reservation", "転入（予約）"
    RELOCATION = "relocation", "転居"
    MOVE_OUT = "move_out", "転出"
    NHI_ACQUIRE = "nhi_acquire", "国保 資格取得"
    NHI_LOSE = "nhi_lose", "国保 資格喪失"
    NHI_REISSUE = "nhi_reissue", "国保 再交付"


# 標準処理時間 (minutes of back-office work per application; the pilot's 30 minutes of バックヤード on average)
STANDARD_MINUTES = {
    TaskKind.MOVE_IN_RESERVATION: 35, TaskKind.RELOCATION: 30, TaskKind.MOVE_OUT: 25,
    TaskKind.NHI_ACQUIRE: 30, TaskKind.NHI_LOSE: 25, TaskKind.NHI_REISSUE: 15,
}


class TaskStatus(models.TextChoices):
    RECEIVED = "received", "受付"
    ASSIGNED = "assigned", "配分"
    IN_PROGRESS = "in_progress", "処理中"
    DONE = "done", "完了"
    RETURNED = "returned", "差戻し"


class Task(models.Model):
    """タスク: the back-office work of one online application, distributed to an office by the day's plan."""

    application_id = models.CharField("申請番号", max_length=60, unique=True)
    kind = models.CharField("申請の種類", max_length=30, choices=TaskKind.choices)
    status = models.CharField("状態", max_length=20, choices=TaskStatus.choices, default=TaskStatus.RECEIVED)
    minutes = models.PositiveIntegerField("標準処理時間（分）")
    received_at = models.DateTimeField("受付日時")
    due_on = models.DateField("処理期限")
    summary = models.CharField("概要", max_length=200)
    person_id = models.BigIntegerField("対象者（住民記録）", null=True, blank=True)
    applicant_name = models.CharField("申請者", max_length=100, blank=True)
    source = models.CharField("受付経路", max_length=20, default="api")  # "api" (申請管理), "file", "demo"
    batch = models.ForeignKey("IntakeBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    content_hash = models.CharField("申請内容のハッシュ", max_length=64, blank=True)  # a resent application's check
    prefill = models.JSONField("仮登録の下書き", default=dict, blank=True)  # what the counter's 仮登録 starts from
    change_id = models.BigIntegerField("作成した仮登録（住民記録の異動）", null=True, blank=True)
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
                               verbose_name="配分先")
    planned_on = models.DateField("配分日", null=True, blank=True)
    taken_by = models.CharField("処理者", max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "assignments_task"
        ordering = ["due_on", "received_at", "application_id"]
        indexes = [models.Index(fields=["status", "office"], name="assignments_task_status")]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="assignments_task_minutes"),
            models.CheckConstraint(condition=Q(status="received") | Q(status="returned") | Q(office__isnull=False),
                                   name="assignments_task_office_when_assigned"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_kind_display()}"


class IntakeBatch(models.Model):
    """申請ファイルの取込: one file of applications delivered by the 申請管理 system, taken in whole or not at all."""

    filename = models.CharField("ファイル名", max_length=200)
    form = models.CharField("形式", max_length=10)  # csv / json
    count = models.PositiveIntegerField("件数")
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.CharField(max_length=150)

    class Meta:
        db_table = "assignments_intake_batch"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.count}件）"


class Attachment(models.Model):
    """添付ファイル of an online application: kept encrypted in the files object store (a key per town,
    ``attachments.py``); this row holds what the pages show and how to find and check the object."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField("ファイル名", max_length=100)
    content_type = models.CharField("形式", max_length=40)
    size = models.PositiveIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    object_key = models.CharField("保存先のキー", max_length=200, unique=True)
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "assignments_attachment"
        ordering = ["task_id", "pk"]

    def __str__(self) -> str:
        return self.filename


class TaskEvent(models.Model):
    """タスクの履歴: who did what to a task and when (配分, 移動, 着手, 完了, 差戻し)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField("操作者", max_length=150)
    action = models.CharField("操作", max_length=30)
    from_office = models.CharField("移動元", max_length=30, blank=True)
    to_office = models.CharField("移動先", max_length=30, blank=True)
    note = models.CharField("理由・メモ", max_length=200, blank=True)

    class Meta:
        db_table = "assignments_task_event"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"


class Plan(models.Model):
    """配分計画: one run of the planner for a day, with each office's figures (the explanation)."""

    day = models.DateField("対象日")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    assigned = models.PositiveIntegerField("配分件数")
    left_over = models.PositiveIntegerField("翌日以降に残った件数")
    offices = models.JSONField("庁舎ごとの内訳", default=list)

    class Meta:
        db_table = "assignments_plan"
        ordering = ["-day", "-created_at"]

    def __str__(self) -> str:
        return f"配分計画 {self.day}"
