"""資格確認書・資格情報のお知らせ: 交付 with its PDF items and 発行番号, 再交付 invalidating the previous one,
返還, refusals, the append-only 交付履歴, the pages (400s, 404s), audit, and town B reaching nothing of A's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from kyodo.tenantlog.models import AuditEntry
from tenants.nhi import services
from tenants.nhi.cards import rules
from tenants.nhi.cards import services as cards
from tenants.nhi.models import CardIssuance
from tests.conftest import logged_in_client
from tests.residents.conftest import chief_a  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def insured(nhi_a, family, clerk_a):
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-04-01",
                               reason="move_in")
    return family["taro"]


@pytest.fixture
def clerk(clerk_a):
    return logged_in_client(clerk_a, "takeo.test")


def test_issue_prints_the_items_and_the_serial(nhi_a, insured, clerk_a):
    issued = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate")
    row, text = issued.issuance, _text(issued.pdf)
    expected = rules.terms(birth=dt.date(1980, 4, 1), issued_on=timezone.localdate())
    assert row.valid_until == expected.valid_until and row.valid_until.month == 7 and row.valid_until.day == 31
    assert rules.luhn_ok(row.number) and row.symbol == "41206"
    for item in ("国民健康保険被保険者資格確認書", "山田\u3000太郎", "ヤマダ\u3000タロウ", "昭和55年4月1日", "男",
                 f"記号 {row.symbol}", f"番号 {row.number}", "令和6年4月1日", "法定負担割合のとおり", "武雄市",
                 f"発行番号 {row.serial}", "有効期限", "資格取得年月日", "交付年月日"):
        assert item in text, item
    assert "武雄町大字武雄" not in text  # no address on the card (支援措置: docs/nhi.md)


def test_serials_count_per_year_and_the_number_stays_the_persons(nhi_a, insured, family, clerk_a):
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["hanako"], acquired_on="2024-04-01",
                               reason="move_in")
    first = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    other = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=family["hanako"], kind="notice").issuance
    again = cards.card_reissue(actor=clerk_a, town=nhi_a, issuance_id=first.pk, cause="lost").issuance
    assert [first.serial_no, other.serial_no, again.serial_no] == [1, 2, 3]
    assert first.serial_year == timezone.localdate().year
    assert again.number == first.number != other.number


def test_notice_for_a_my_number_card_holder(nhi_a, insured, clerk_a):
    text = _text(cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="notice").pdf)
    assert "資格情報のお知らせ" in text and "この書面のみでは受診できません" in text


def test_reissue_invalidates_the_previous_one(nhi_a, insured, clerk_a, clerk):
    first = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    second = cards.card_reissue(actor=clerk_a, town=nhi_a, issuance_id=first.pk, cause="damaged").issuance
    first.refresh_from_db()
    assert first.invalidated_reason == "再交付により無効" and not first.is_in_force
    assert (second.reason, second.reissue_cause, second.replaces_id, second.kind) == (
        "reissue", "damaged", first.pk, "certificate")
    with pytest.raises(ValidationError) as exc:
        cards.card_reissue(actor=clerk_a, town=nhi_a, issuance_id=first.pk, cause="lost")
    assert "issuance_id" in exc.value.message_dict
    body = clerk.get(f"/nhi/persons/{insured}/").content.decode()
    assert "再交付により無効" in body and second.serial in body and "破損" in body


def test_new_is_refused_while_one_is_in_force_and_renewal_replaces_it(nhi_a, insured, clerk_a):
    first = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    with pytest.raises(ValidationError) as exc:
        cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate")
    assert "再交付または更新" in exc.value.message_dict["reason"][0]
    renewed = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="notice", reason="renewal")
    first.refresh_from_db()
    assert first.invalidated_reason == "更新により無効" and renewed.issuance.replaces_id == first.pk


def test_not_insured_is_refused_with_a_clear_error(nhi_a, family, insured, clerk_a):
    with pytest.raises(ValidationError) as exc:
        cards.card_issue(actor=clerk_a, town=nhi_a, person_id=family["hanako"], kind="certificate")
    assert "国保の被保険者ではないため" in exc.value.message_dict["person_id"][0]
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=insured, lost_on="2024-09-01", reason="death")
    with pytest.raises(ValidationError):
        cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate")
    assert not CardIssuance.objects.exists()


def test_return_marks_the_row_once(nhi_a, insured, clerk_a):
    row = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=insured, lost_on="2024-09-01", reason="move_out")
    returned = cards.card_return(actor=clerk_a, town=nhi_a, issuance_id=row.pk, destroyed=True)
    assert returned.returned_at is not None and returned.destroyed
    with pytest.raises(ValidationError):
        cards.card_return(actor=clerk_a, town=nhi_a, issuance_id=row.pk)


def test_the_history_is_append_only_in_the_database(nhi_a, insured, clerk_a):
    row = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    with pytest.raises(Exception, match="never rewritten"), transaction.atomic():
        CardIssuance.objects.filter(pk=row.pk).update(valid_until=dt.date(2099, 7, 31))
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        CardIssuance.objects.filter(pk=row.pk).delete()
    cards.card_return(actor=clerk_a, town=nhi_a, issuance_id=row.pk)
    with pytest.raises(Exception, match="never rewritten"), transaction.atomic():
        CardIssuance.objects.filter(pk=row.pk).update(returned_at=None)


def test_a_reissue_without_a_cause_is_refused_by_the_database(nhi_a, insured, clerk_a):
    row = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    with pytest.raises(IntegrityError), transaction.atomic():
        CardIssuance.objects.create(**{f.attname: getattr(row, f.attname) for f in CardIssuance._meta.concrete_fields
                                       if f.attname != "id"} | {"serial_no": 99, "reason": "reissue"})


def test_audit_entries_on_the_nhi_chain(nhi_a, insured, clerk_a, clerk):
    row = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    assert clerk.get(f"/nhi/cards/{row.pk}/pdf/").status_code == 200
    cards.card_reissue(actor=clerk_a, town=nhi_a, issuance_id=row.pk, cause="lost")
    cards.card_return(actor=clerk_a, town=nhi_a, issuance_id=row.pk)
    actions = set(AuditEntry.objects.filter(chain="nhi:412066", target_id=str(insured))
                  .values_list("action", flat=True))
    assert {"card.issue", "card.download", "card.reissue", "card.return"} <= actions
    entry = AuditEntry.objects.get(chain="nhi:412066", action="card.issue")
    assert entry.detail["serial"] == row.serial


def test_pages_issue_download_and_return(nhi_a, insured, clerk):
    import re

    page = clerk.get(f"/nhi/persons/{insured}/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S)[1]
    assert title.startswith("資格履歴") and "<" not in title  # the page's title is text, once
    assert page.count('id="cards-heading"') == 1
    assert "資格確認書を交付" in page and "交付した資格確認書はありません。" in page
    assert clerk.get(f"/nhi/persons/{insured}/card/").status_code == 200
    response = clerk.post(f"/nhi/persons/{insured}/card/", {"kind": "certificate", "reason": "new"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    serial = response["X-Card-Serial"]
    assert f"発行番号 {serial}" in _text(response.content)
    row = CardIssuance.objects.get()
    assert f"発行番号 {serial}" in _text(clerk.get(f"/nhi/cards/{row.pk}/pdf/").content)
    assert clerk.post(f"/nhi/cards/{row.pk}/return/", {"destroyed": "on"}).status_code == 302
    assert "返還済み" in clerk.get(f"/nhi/persons/{insured}/").content.decode()


def test_bad_input_is_400(nhi_a, insured, family, clerk):
    from urllib.parse import quote

    assert clerk.post(f"/nhi/persons/{insured}/card/", {"kind": "card", "reason": "new"}).status_code == 400
    refused = clerk.post(f"/nhi/persons/{family['hanako']}/card/", {"kind": "certificate", "reason": "new"})
    assert refused.status_code == 400 and "国保の被保険者ではない" in refused.content.decode()
    issued = clerk.post(f"/nhi/persons/{insured}/card/", {"kind": "certificate", "reason": "new"})
    pk = CardIssuance.objects.get(serial_no=int(issued["X-Card-Serial"].split("-")[1])).pk
    assert clerk.post(f"/nhi/cards/{pk}/reissue/", {"cause": "stolen"}).status_code == 400
    for bad in ("²", "-1", "9999999999999999999"):
        assert clerk.get(f"/nhi/cards/{quote(bad)}/pdf/").status_code == 400
        assert clerk.post(f"/nhi/cards/{quote(bad)}/return/").status_code == 400
        assert clerk.get(f"/nhi/persons/{quote(bad)}/card/").status_code == 400
    assert clerk.get("/nhi/cards/999999/pdf/").status_code == 404


def test_town_b_cannot_issue_or_download_town_a_cards(nhi_a, insured, clerk_a, clerk_b, town_b):
    from django_tenants.utils import tenant_context

    row = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").issuance
    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications, "nhi"])
    town_b.refresh_from_db()
    on_a = logged_in_client(clerk_b, "takeo.test")
    assert on_a.get(f"/nhi/cards/{row.pk}/pdf/").status_code == 403
    assert on_a.post(f"/nhi/persons/{insured}/card/", {"kind": "certificate", "reason": "new"}).status_code == 403
    assert on_a.post(f"/nhi/cards/{row.pk}/reissue/", {"cause": "lost"}).status_code == 403
    on_b = logged_in_client(clerk_b, "kashima.test")
    assert on_b.get(f"/nhi/cards/{row.pk}/pdf/").status_code == 404
    assert on_b.post(f"/nhi/cards/{row.pk}/return/").status_code == 404
    assert on_b.post(f"/nhi/persons/{insured}/card/", {"kind": "certificate", "reason": "new"}).status_code == 404
    with tenant_context(nhi_a):
        assert CardIssuance.objects.count() == 1 and CardIssuance.objects.get().returned_at is None
    with tenant_context(town_b):
        assert not CardIssuance.objects.exists()


def test_a_person_of_70_needs_the_rate_and_gets_the_effective_date(nhi_a, move_in, clerk_a, clerk):
    from tenants.residents.models import PersonVersion
    from tests.residents.conftest import person_data

    change = move_in([person_data(birth_date="1954-01-10", resident_code="12345678904")])
    person_id = PersonVersion.objects.get(is_current=True, household=change.household).person_id
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=person_id, acquired_on="2024-04-01",
                               reason="move_in")
    missing = clerk.post(f"/nhi/persons/{person_id}/card/", {"kind": "certificate", "reason": "new"})
    assert missing.status_code == 400 and "2割・3割" in missing.content.decode()
    issued = cards.card_issue(actor=clerk_a, town=nhi_a, person_id=person_id, kind="certificate", rate="2割")
    text = _text(issued.pdf)
    assert "2割" in text and "発効期日" in text and "令和6年2月1日" in text
    assert issued.issuance.valid_until == min(dt.date(2029, 1, 9), rules.terms(
        birth=dt.date(1954, 1, 10), issued_on=timezone.localdate(), rate="2割").valid_until)


def test_a_person_under_support_measure_gets_the_card_without_any_address(nhi_a, insured, clerk_a, chief_a):  # noqa: F811
    """支援措置: the card is for the person themself and carries no address, so it is issued and prints none."""
    from tenants.residents import services as residents

    residents.support_measure_create(actor=chief_a, town=nhi_a, person_id=insured, starts_on="2024-05-01")
    text = _text(cards.card_issue(actor=clerk_a, town=nhi_a, person_id=insured, kind="certificate").pdf)
    assert "山田\u3000太郎" in text and "武雄町" not in text and "コーポ武雄" not in text
