"""The kinds of 異動 (異動の種類), one registry entry each: 異動事由コード, outbox event, validator,
apply function, the form and the page that starts it. Adding a kind is adding one entry to KINDS.

The generic flow that uses an entry (dates common to every kind, then ``validate``, the summary,
four-eyes approval, then ``apply``) lives in ``services.changes``; the pages in ``views``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import events, foreign
from .forms import (
    BirthForm,
    CancellationForm,
    ClericalCorrectionForm,
    CorrectionForm,
    HouseholdChangeForm,
    MoveInForm,
    MoveOutForm,
    RelocationForm,
    RemovalForm,
    ReMoveInForm,
    ServiceForm,
    SpecialMoveInForm,
)
from .models import Change, ChangeKind
from .services import apply, validation
from .services.validation import CORRECTABLE, ChangeInput, Errors, KindPart

# Which page starts a kind (the page's URL takes the kind as given here).
NEW = "new"                # its own page, not tied to a person (転入届)
PERSON = "person"          # /persons/<pk>/changes/<kind>/ from a person's page
HOUSEHOLD = "household"    # /households/<pk>/changes/<kind>/ from a household's page
CORRECTION = "correction"  # /persons/<pk>/correct/ (職権修正: the form holds the current items)
NO_PAGE = ""               # entered through the service only (no page yet)
RETURNING = "returning"    # /changes/new/re-move-in/<pk>/ for a former resident found from the 転入届 page
SPECIAL = "special"        # /changes/new/special-move-in/ (特例転入: from a 転出証明書情報 record)
CLERICAL = "clerical"      # /persons/<pk>/clerical-correction/ (誤記修正 of an earlier history row)
CANCELLATION = "cancellation"  # /persons/<pk>/cancel/ (取消 of the person's latest change)

# 初期移行 is loaded in bulk (demo, migration from a previous system), never entered or approved
# as a change, so it has no entry; its rows carry the code of 職権記載.
INITIAL_LOAD_REASON_CODE = "A03"


@dataclass(frozen=True)
class Page:
    """What the page that starts a change collected; a kind's ``page_data`` turns it into the
    service's ``data``."""

    form: ServiceForm                      # bound and valid
    person_id: int | None = None           # person pages: the person
    household_id: int | None = None        # the person's household, or the household page's
    relationships: Mapping[str, str] = field(default_factory=dict)  # household pages: 続柄 per member id
    chosen: frozenset[str] = frozenset()   # household pages: the members ticked (世帯分離)
    target_household_id: int | None = None  # household pages: the household named as 合併先 / 移る先
    returning: frozenset[int] = frozenset()  # 特例転入: former residents matched by 住民票コード
    record_text: str = ""                  # 特例転入: the 転出証明書情報 as received
    change_id: int | None = None           # 取消: the change cancelled
    person_ids: tuple[int, ...] = ()       # 取消: every person the cancelled change touched


@dataclass(frozen=True)
class ChangeKindSpec:
    """One kind of 異動: everything the services and pages need to know about it."""

    kind: ChangeKind
    reason_code: str                                     # 異動事由コード
    event_type: str                                      # events.* emitted on approval
    validate: Callable[[Errors, ChangeInput], KindPart]  # this kind's checks; its part of the payload
    apply: Callable[[Change, dict, object], list[int]]   # the approved change -> ids of persons touched
    title: str                                           # 画面の表題 (転居届, 世帯主変更 …)
    entry: str = NO_PAGE                                 # which page starts it (NEW, PERSON, …)
    form: type[ServiceForm] | None = None                # that page's form
    page_data: Callable[[Page], dict] | None = None      # that page's input -> the service's data
    future_effective_on: bool = False                    # 異動日 may be in the future (転出予定日)
    notified_on_or_after_effective: bool = False         # 届出 only once the move has happened
    # Why an entered change may not be approved yet, from its payload (None: nothing blocks it).
    approval_blocker: Callable[[dict], str | None] | None = None

    @property
    def label(self) -> str:
        """The kind's name (転入, 転居 …), as in summaries and audit records."""
        return str(self.kind.label)

    def bind_form(self, *args, **kwargs) -> ServiceForm:
        """This kind's page form (bound to the posted data, if any)."""
        if self.form is None:
            raise LookupError(f"{self.kind.value} is not entered on a page")
        return self.form(*args, **kwargs)

    def data_from(self, page: Page) -> dict:
        """The service's ``data`` from what this kind's page collected."""
        if self.page_data is None:
            raise LookupError(f"{self.kind.value} is not entered on a page")
        return self.page_data(page)


# --- what each page posts, as the service's data -----------------------------------------------------

def _dates_only_person(page: Page) -> dict:
    return {"person_id": page.person_id}


def _move_in_data(page: Page) -> dict:
    assert isinstance(page.form, MoveInForm)
    return page.form.service_data()


def _move_out_data(page: Page) -> dict:
    return {"person_ids": [page.person_id], "destination": page.form.cleaned_data["destination"]}


def _relocation_data(page: Page) -> dict:
    d = page.form.cleaned_data
    return {"household_id": page.household_id, **{k: d[k] for k in ("address", "katagaki", "district",
                                                                    "postal_code")}}


def _birth_data(page: Page) -> dict:
    d = page.form.cleaned_data
    return {"household_mode": "existing", "household_id": page.household_id,
            "persons": [{k[3:]: v for k, v in d.items() if k.startswith("p0_")}]}


def _correction_data(page: Page) -> dict:
    """Only the items that differ from the current record (the form's initial values)."""
    d, current = page.form.cleaned_data, page.form.initial
    fields = {k: d[k] for k in CORRECTABLE if str(d[k]).strip() != str(current[k])}
    # 住民種別, 旧氏 and the 外国人住民 items (initial: foreign.correction_initial)
    fields.update({k: d[k] for k in foreign.VERSION_ITEMS if str(d.get(k, "")).strip() != str(current.get(k, ""))})
    return {"person_id": page.person_id, "fields": fields}


def _head_change_data(page: Page) -> dict:
    return {"household_id": page.household_id, "relationships": dict(page.relationships)}


def _split_data(page: Page) -> dict:
    return {"person_ids": sorted(page.chosen),
            "relationships": {k: v for k, v in page.relationships.items() if k in page.chosen}}


def _merge_data(page: Page) -> dict:
    return {"household_id": page.household_id, "target_household_id": page.target_household_id,
            "relationships": dict(page.relationships)}


def _re_move_in_data(page: Page) -> dict:
    assert isinstance(page.form, ReMoveInForm)
    data = page.form.service_data()
    data["persons"][0]["person_id"] = page.person_id
    data["person_ids"] = [page.person_id]
    return data


def _special_move_in_data(page: Page) -> dict:
    assert isinstance(page.form, SpecialMoveInForm)
    return page.form.service_data(page.record_text, page.returning)


def _transfer_data(page: Page) -> dict:
    return {"household_id": page.household_id, "person_ids": sorted(page.chosen),
            "target_household_id": page.target_household_id,
            "relationships": {k: v for k, v in page.relationships.items() if k in page.chosen}}


def _clerical_data(page: Page) -> dict:
    """Only the items filled in (blank: not corrected)."""
    d = page.form.cleaned_data
    return {"person_id": page.person_id, "history_no": d["history_no"],
            "fields": {k: d[k] for k in CORRECTABLE if str(d[k]).strip()}}


def _cancellation_data(page: Page) -> dict:
    return {"change_id": page.change_id, "person_id": page.person_id, "person_ids": list(page.person_ids)}


def cancellation_for(kind) -> ChangeKindSpec | None:
    """The entry of the 取消 that cancels a change of ``kind`` (None: it cannot be cancelled)."""
    cancel = validation.cancellation_kind_for(kind)
    return KINDS[cancel] if cancel else None


# (kind, 異動事由, event, validate, apply, title, page, form, page data, flags)
KINDS: dict[ChangeKind, ChangeKindSpec] = {spec.kind: spec for spec in (
    ChangeKindSpec(ChangeKind.MOVE_IN, "A01", events.MOVED_IN, validation.validate_move_in,
                   apply.apply_new_persons, "転入届", NEW, MoveInForm, _move_in_data,
                   notified_on_or_after_effective=True),
    ChangeKindSpec(ChangeKind.BIRTH, "A02", events.BORN, validation.validate_birth,
                   apply.apply_new_persons, "出生届", PERSON, BirthForm, _birth_data),
    ChangeKindSpec(ChangeKind.EX_OFFICIO_RECORD, "A03", events.RECORD_CORRECTED,
                   validation.validate_ex_officio_record, apply.apply_new_persons, "職権記載"),
    ChangeKindSpec(ChangeKind.MOVE_OUT, "B01", events.MOVED_OUT, validation.validate_move_out,
                   apply.apply_move_out, "転出届", PERSON, MoveOutForm, _move_out_data,
                   future_effective_on=True, approval_blocker=validation.head_departure_blocker),
    ChangeKindSpec(ChangeKind.DEATH, "B02", events.DIED, validation.validate_death,
                   apply.apply_death, "死亡届", PERSON, RemovalForm, _dates_only_person,
                   approval_blocker=validation.head_departure_blocker),
    ChangeKindSpec(ChangeKind.EX_OFFICIO_REMOVE, "B03", events.RECORD_CORRECTED,
                   validation.validate_ex_officio_remove, apply.apply_ex_officio_remove, "職権消除", PERSON,
                   RemovalForm, _dates_only_person, approval_blocker=validation.head_departure_blocker),
    ChangeKindSpec(ChangeKind.RELOCATION, "C01", events.RELOCATED, validation.validate_relocation,
                   apply.apply_relocation, "転居届", PERSON, RelocationForm, _relocation_data),
    ChangeKindSpec(ChangeKind.HOUSEHOLD_SPLIT, "C02", events.HOUSEHOLD_CHANGED,
                   validation.validate_household_split, apply.apply_household_split, "世帯分離", HOUSEHOLD,
                   HouseholdChangeForm, _split_data, approval_blocker=validation.head_departure_blocker),
    ChangeKindSpec(ChangeKind.HOUSEHOLD_MERGE, "C03", events.HOUSEHOLD_CHANGED,
                   validation.validate_household_merge, apply.apply_household_merge, "世帯合併", HOUSEHOLD,
                   HouseholdChangeForm, _merge_data),
    ChangeKindSpec(ChangeKind.HEAD_CHANGE, "C04", events.HOUSEHOLD_CHANGED, validation.validate_head_change,
                   apply.apply_head_change, "世帯主変更", HOUSEHOLD, HouseholdChangeForm, _head_change_data),
    ChangeKindSpec(ChangeKind.EX_OFFICIO_CORRECT, "C06", events.RECORD_CORRECTED,
                   validation.validate_ex_officio_correct, apply.apply_correction, "職権修正", CORRECTION,
                   CorrectionForm, _correction_data),
    # Codes A05-A07, B05, C08, C09 are provisional (the official 異動事由コード list was not found).
    ChangeKindSpec(ChangeKind.RE_MOVE_IN, "A05", events.MOVED_IN, validation.validate_re_move_in,
                   apply.apply_new_persons, "再転入（転入届）", RETURNING, ReMoveInForm, _re_move_in_data,
                   notified_on_or_after_effective=True),
    ChangeKindSpec(ChangeKind.SPECIAL_MOVE_IN, "A06", events.MOVED_IN, validation.validate_special_move_in,
                   apply.apply_new_persons, "特例転入（転入届）", SPECIAL, SpecialMoveInForm, _special_move_in_data,
                   notified_on_or_after_effective=True),
    ChangeKindSpec(ChangeKind.HOUSEHOLD_TRANSFER, "C05", events.HOUSEHOLD_CHANGED,
                   validation.validate_household_transfer, apply.apply_household_transfer, "世帯変更", HOUSEHOLD,
                   HouseholdChangeForm, _transfer_data, approval_blocker=validation.head_departure_blocker),
    ChangeKindSpec(ChangeKind.CLERICAL_CORRECTION, "C08", events.RECORD_CORRECTED,
                   validation.validate_clerical_correction, apply.apply_clerical_correction, "誤記修正", CLERICAL,
                   ClericalCorrectionForm, _clerical_data),
    ChangeKindSpec(ChangeKind.CANCEL_ADD, "A07", events.CHANGE_CANCELLED, validation.validate_cancellation,
                   apply.apply_cancellation, "異動の取消し（取消（増））", CANCELLATION, CancellationForm,
                   _cancellation_data),
    ChangeKindSpec(ChangeKind.CANCEL_REMOVE, "B05", events.CHANGE_CANCELLED, validation.validate_cancellation,
                   apply.apply_cancellation, "異動の取消し（取消（減））", CANCELLATION, CancellationForm,
                   _cancellation_data),
    ChangeKindSpec(ChangeKind.CANCEL_CORRECT, "C09", events.CHANGE_CANCELLED, validation.validate_cancellation,
                   apply.apply_cancellation, "異動の取消し（取消（修正））", CANCELLATION, CancellationForm,
                   _cancellation_data),
)}


def spec_for(kind) -> ChangeKindSpec:
    """The entry of ``kind`` (a ChangeKind or its value); anything else is a ValidationError on
    ``kind``, including 初期移行, which is never entered as a change."""
    try:
        return KINDS[ChangeKind(kind)]
    except (ValueError, KeyError, TypeError):
        raise ValidationError({"kind": ["異動の種類が正しくありません。"]}) from None


def started_from(entry: str, kind) -> ChangeKindSpec | None:
    """The entry of ``kind`` if the page ``entry`` starts it, else None (the page answers 404)."""
    try:
        spec = KINDS[ChangeKind(kind)]
    except (ValueError, KeyError, TypeError):
        return None
    return spec if spec.entry == entry and entry != NO_PAGE and spec.form is not None else None
