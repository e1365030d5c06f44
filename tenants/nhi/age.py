"""75歳到達: a person insured in 国保 moves to 後期高齢者医療 on their 75th birthday (高齢者の医療の確保に関する法律
第50条・第52条: 被保険者 from the day they reach 75; 国民健康保険法 第6条第8号 excludes them from that day), so
their 資格 ends that day (喪失日 = the birthday itself, not the day after as for 転出).

No registry event marks a birthday, so a daily job proposes these 喪失 as 作業, ahead of the day, like the
cascade does — staff confirm them; nothing is applied silently. Each proposal has a source id derived from
(person, 喪失日), so running the job again proposes nothing twice. When the one reaching 75 is the
household's 納付義務者 and others stay insured, the 納付義務者 (now 擬制世帯主) is proposed again as well."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from kyodo.identity.principal import SystemPrincipal

from . import audit, residents_facts
from .cards.rules import late_elderly_from
from .models import Enrolment, LossReason, Payer, WorkItem, WorkKind

SOURCE = "nhi.late_elderly"
NAMESPACE = uuid.UUID("6f1c3c52-6a8e-4d55-9c67-1d2f1e0b7a75")  # this job's own uuid5 namespace
HORIZON_DAYS = 31  # proposed a month ahead, so the 資格確認書 can be returned and 後期 cards sent in time


def _source_id(town, person_id: int, on: dt.date) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{town.code}:{person_id}:{on.isoformat()}")


def late_elderly_propose(*, town, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS) -> list[WorkItem]:
    """Propose 資格喪失（75歳到達） for every insured person whose 75th birthday falls in [today, today+horizon]."""
    audit.assert_in_town(town)
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=horizon_days)
    insured = dict(Enrolment.objects.filter(is_current=True, lost_on__isnull=True)
                   .values_list("person_id", "household_id"))
    # Born from (today − 75 years − 1 day) to (end − 75 years + 1 day): a 29 February birthday is then
    # decided by late_elderly_from itself.
    earliest = dt.date(today.year - 75, 1, 1)
    latest = dt.date(end.year - 75, 12, 31)
    candidates = [v for v in residents_facts.born_between(earliest, latest, person_ids=list(insured))
                  if today <= late_elderly_from(v.birth_date) <= end]
    created: list[WorkItem] = []
    with transaction.atomic():
        for v in candidates:
            on = late_elderly_from(v.birth_date)
            name = f"{v.family_name} {v.given_name}"
            item, made = WorkItem.objects.get_or_create(
                source_event_id=_source_id(town, v.person_id, on), kind=WorkKind.LOSE, person_id=v.person_id,
                defaults={"household_id": v.household_id, "source_event_type": SOURCE,
                          "proposed": {"date": on.isoformat(), "reason": LossReason.LATE_ELDERLY.value},
                          "summary": f"資格喪失（{LossReason.LATE_ELDERLY.label}）: {name} 喪失日 {on.isoformat()}"})
            if made:
                created.append(item)
            payer = Payer.objects.filter(household_id=v.household_id, is_current=True).first()
            others = [p for p, h in insured.items() if h == v.household_id and p != v.person_id]
            if payer is not None and payer.person_id == v.person_id and others:
                item, made = WorkItem.objects.get_or_create(
                    source_event_id=_source_id(town, v.person_id, on), kind=WorkKind.PAYER, person_id=v.person_id,
                    defaults={"household_id": v.household_id, "source_event_type": SOURCE,
                              "proposed": {"date": on.isoformat()},
                              "summary": f"納付義務者の変更: {name}（世帯主・擬制世帯主となります）"})
                if made:
                    created.append(item)
        if created:
            audit.record(town=town, actor=SystemPrincipal(f"job:{SOURCE}"), action="workitem.propose",
                         persons=sorted({i.person_id for i in created}), purpose="75歳到達による資格喪失の作業の作成",
                         work_item_ids=[i.pk for i in created], through=end.isoformat())
    return created
