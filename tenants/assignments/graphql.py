"""業務配分's part of the API: the town's 申請管理 system (a machine client contracted for ``assignments:write``)
hands in each online application with ``onlineApplicationSubmit``. Idempotent by 申請番号: sending the same
application again answers the task already made (``replayed: true``); the same 申請番号 with other content is
refused (``errors`` names the field). Nothing of the registry is answered: only the task's own fields."""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar

from kyodo.api.context import context_of
from kyodo.api.errors import forbidden
from kyodo.api.platform_schema import FieldError

from . import intake, permissions


class OnlineApplicationTask(graphene.ObjectType):
    """The task an online application became."""

    application_id = graphene.String(required=True, description="申請番号")
    kind = graphene.String(required=True, description="申請の種類")
    status = graphene.String(required=True, description="受付 / 配分 / 処理中 / 完了 / 差戻し (received … returned)")
    due_on = graphene.Date(required=True, description="処理期限")
    prefilled = graphene.Boolean(required=True, description="True when a 仮登録 draft was prepared for the counter.")
    attachments = graphene.Int(required=True, description="添付ファイル kept with the task")


class ApplicantInput(graphene.InputObjectType):
    atena_number = graphene.String(description="宛名番号 (not for a 転入（予約）)")
    name = graphene.String(description="申請者の氏名")
    birth_date = graphene.String(description="生年月日 (YYYY-MM-DD)")


class AttachmentInput(graphene.InputObjectType):
    filename = graphene.String(required=True)
    content_type = graphene.String(required=True, description="application/pdf, image/jpeg or image/png")
    data = graphene.String(required=True, description="the file's bytes in base64 (5 MiB at most)")


class OnlineApplicationInput(graphene.InputObjectType):
    application_id = graphene.String(required=True, description="申請番号 (the 申請管理 system's id)")
    kind = graphene.String(required=True, description="move_in_reservation / relocation / move_out / "
                                                      "nhi_acquire / nhi_lose / nhi_reissue")
    received_at = graphene.String(required=True, description="受付日時 (ISO 8601)")
    applicant = ApplicantInput()
    details = GenericScalar(description="申請内容 by kind (docs/assignments.md)")
    attachments = graphene.List(graphene.NonNull(AttachmentInput), description="添付ファイル (5 at most)")


class OnlineApplicationSubmitPayload(graphene.ObjectType):
    task = graphene.Field(OnlineApplicationTask)
    errors = graphene.List(graphene.NonNull(FieldError), required=True)
    replayed = graphene.Boolean(required=True, description="True when this 申請番号 was already taken in.")


def _record(value) -> dict:
    return {"application_id": value.get("application_id"), "kind": value.get("kind"),
            "received_at": value.get("received_at"), "applicant": dict(value.get("applicant") or {}),
            "details": value.get("details") or {},
            **({"attachments": [dict(a) for a in value["attachments"]]} if value.get("attachments") else {})}


def _task_answer(task, attachments: int | None = None) -> dict:
    if attachments is None:
        attachments = task.attachments.count()
    return {"application_id": task.application_id, "kind": task.kind, "status": task.status, "due_on": task.due_on,
            "prefilled": bool(task.prefill), "attachments": attachments}


class OnlineApplicationSubmit(graphene.Mutation):
    """オンライン申請の受付: one application becomes a task (once per 申請番号)."""

    class Arguments:
        input = OnlineApplicationInput(required=True)

    Output = OnlineApplicationSubmitPayload

    def mutate(self, info, input):
        context = context_of(info)
        if context.town is None or not permissions.can_receive(context.principal, context.town):
            raise forbidden()
        record = _record(input)
        try:
            task, replayed = intake.application_receive(actor=context.principal, town=context.town, record=record)
        except intake.IntakeRefused as refused:
            return {"task": None, "replayed": False, "errors": [
                {"field": e.field, "message_ja": e.message,
                 "message_en": f"The value of `{e.field}` was refused (see messageJa)."} for e in refused.errors]}
        return {"task": _task_answer(task), "errors": [], "replayed": replayed}


class OnlineApplicationsSubmitPayload(graphene.ObjectType):
    tasks = graphene.List(graphene.NonNull(OnlineApplicationTask), required=True,
                          description="The tasks made now, in the order of the input.")
    replayed = graphene.List(graphene.NonNull(graphene.String), required=True,
                             description="申請番号 already taken in with the same content (nothing made again).")
    errors = graphene.List(graphene.NonNull(FieldError), required=True,
                           description="When not empty, nothing was taken in; each field is `[<index>].<field>`.")


class OnlineApplicationsSubmit(graphene.Mutation):
    """オンライン申請の一括受付: up to 500 applications in one request, taken in whole or not at all."""

    class Arguments:
        inputs = graphene.List(graphene.NonNull(OnlineApplicationInput), required=True)

    Output = OnlineApplicationsSubmitPayload

    def mutate(self, info, inputs):
        context = context_of(info)
        if context.town is None or not permissions.can_receive(context.principal, context.town):
            raise forbidden()
        if len(inputs) > intake.MAX_BATCH_API:
            return {"tasks": [], "replayed": [], "errors": [{
                "field": "inputs", "message_ja": f"1回の要求は {intake.MAX_BATCH_API} 件までです。",
                "message_en": f"At most {intake.MAX_BATCH_API} applications per request."}]}
        try:
            taken = intake.applications_take(actor=context.principal, town=context.town,
                                             records=[_record(i) for i in inputs])
        except intake.IntakeRefused as refused:
            return {"tasks": [], "replayed": [], "errors": [
                {"field": f"[{e.record - 1}].{e.field}", "message_ja": e.message,
                 "message_en": f"The value of `{e.field}` of application {e.record - 1} was refused (see messageJa)."}
                for e in refused.errors]}
        from django.db.models import Count

        from .models import Attachment

        counts = dict(Attachment.objects.filter(task__in=taken.tasks).values_list("task_id").annotate(n=Count("pk"))
                      .order_by())  # one query for the whole batch
        return {"tasks": [_task_answer(t, counts.get(t.pk, 0)) for t in taken.tasks], "replayed": taken.replayed,
                "errors": []}


class Mutation(graphene.ObjectType):
    online_application_submit = OnlineApplicationSubmit.Field()
    online_applications_submit = OnlineApplicationsSubmit.Field()


Query = None
NODES: dict = {}
TYPES = (OnlineApplicationTask,)
