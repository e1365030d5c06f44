"""ワンストップ確定: a household's pending 作業 confirmed in one step, and what follows from them done in the
same step — the 資格確認書 (or 資格情報のお知らせ) for each newly insured member, and the household's 保険税 of
the year calculated from the stored data.

One transaction: either the 資格, the documents and the levy are all recorded, or nothing is. The levy is the
one part that may be left out without failing the step (no approved rate table, or no national figures, for
the fiscal year of the 取得): the result says why, in Japanese, and staff recalculate later from 「賦課」."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import levy_services, permissions, services
from .cards import services as card_services
from .levy_models import Assessment
from .models import CardKind, WorkItem, WorkKind, WorkStatus


def fiscal_year_of(day: dt.date) -> int:
    """年度: 4月1日 to 3月31日 of the next year."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True)
class HouseholdConfirmed:
    items: tuple[WorkItem, ...]
    cards: tuple[card_services.Issued, ...]
    assessment: Assessment | None
    levy_note: str  # why no levy was calculated, when it was not


def _kinds(card_kinds: dict[int, str] | None, acquiring: list[int]) -> dict[int, str]:
    """Which document each newly insured member gets: 資格確認書 unless staff chose otherwise (the town does
    not hold the マイナ保険証 registration, so the counter asks); '' = none now."""
    chosen = {int(k): str(v) for k, v in (card_kinds or {}).items()}
    unknown = set(chosen) - set(acquiring)
    if unknown:
        raise ValidationError({"card_kinds": ["資格取得の作業がない方の交付書類が指定されています。"]})
    kinds = {pid: chosen.get(pid, CardKind.CERTIFICATE.value) for pid in acquiring}
    if any(k not in ("", *CardKind.values) for k in kinds.values()):
        raise ValidationError({"card_kinds": ["交付する書類が正しくありません。"]})
    return kinds


def household_confirm(*, actor, town, household_id: int, card_kinds: dict[int, str] | None = None,
                      calculate_levy: bool = True) -> HouseholdConfirmed:
    """Confirm every pending 作業 of the household, issue the documents to its newly insured members and
    calculate the household's levy for the fiscal year of the earliest confirmed date."""
    if not permissions.can_record(actor, town):
        raise PermissionDenied("国保の資格を記録する権限がありません")
    with transaction.atomic():
        pending = list(WorkItem.objects.filter(household_id=int(household_id), status=WorkStatus.PENDING))
        if not pending:
            raise ValidationError({"household_id": ["この世帯に未処理の作業はありません。"]})
        acquiring = sorted({i.person_id for i in pending if i.kind == WorkKind.ACQUIRE})
        kinds = _kinds(card_kinds, acquiring)
        if any(kinds.values()) and not permissions.can_issue_card(actor, town):
            raise PermissionDenied("資格確認書を交付する権限がありません")
        items = services.workitems_confirm_household(actor=actor, town=town, household_id=int(household_id))
        cards = tuple(card_services.card_issue(actor=actor, town=town, person_id=pid, kind=kind)
                      for pid, kind in sorted(kinds.items()) if kind)
        assessment, note = None, ""
        dates = [dt.date.fromisoformat(i.proposed["date"]) for i in items if i.proposed.get("date")]
        if not calculate_levy:
            note = "保険税は計算していません（指定により）。"
        elif not permissions.can_levy(actor, town):
            note = "保険税を計算する権限がないため、計算していません。"
        elif dates:
            year = fiscal_year_of(min(dates))
            try:
                assessment = levy_services.assessment_calculate(actor=actor, town=town, household_id=int(household_id),
                                                                fiscal_year=year)
            except ValidationError as exc:
                note = f"{year}年度の保険税は計算していません: " + "；".join(exc.messages)
            except LookupError:
                note = f"{year}年度の保険税は計算していません: この年度の全国の基準（軽減・限度額）が未登録です。"
    return HouseholdConfirmed(tuple(items), cards, assessment, note)
