"""What 業務配分 shows its codes as (kyodo.core.display)."""

from __future__ import annotations

from .models import OfficeKind, TaskKind, TaskStatus

LABELS = {
    "audit_action": {
        "plan.make": "配分計画の作成", "task.move": "タスクの移動", "task.take": "タスクの着手（時間枠）",
        "task.done": "タスクの完了", "task.return": "タスクの差戻し", "task.list": "庁舎のタスク一覧の表示",
        "application.receive": "オンライン申請の受付", "application.import": "オンライン申請の一括受付",
        "task.prefill": "申請内容の引継ぎ（仮登録・国保の作業）", "attachment.read": "添付ファイルの確認",
    },
    "assignments_task_kind": {c.value: c.label for c in TaskKind},
    "assignments_task_status": {c.value: c.label for c in TaskStatus},
    "assignments_office_kind": {c.value: c.label for c in OfficeKind},
}
