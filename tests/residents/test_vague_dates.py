"""不詳日 and dates not on the calendar in a 生年月日 (標準仕様 1.1.8/1.1.9/1.3.6): parsed, stored as
the register states them (with the earliest real day for sorting and age), shown, printed and
exported as written; new 異動日 stay strict; a new 元号 is a row of the code table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from tenants.residents import services
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.dates import (
    BirthDate,
    DatePrecision,
    birth_date_text,
    eras,
    parse_birth_date,
    parse_date,
    to_wareki,
)
from tenants.residents.models import PersonVersion

from .conftest import move_in_data, person_data


@pytest.mark.parametrize("text, precision, earliest, shown", [
    ("昭和10年月日不詳", DatePrecision.MONTH_DAY_UNKNOWN, dt.date(1935, 1, 1), "昭和10年月日不詳"),
    ("昭和10年不詳", DatePrecision.MONTH_DAY_UNKNOWN, dt.date(1935, 1, 1), "昭和10年月日不詳"),
    ("昭和１０年５月日不詳", DatePrecision.DAY_UNKNOWN, dt.date(1935, 5, 1), "昭和10年5月日不詳"),
    ("昭和10年5月不詳", DatePrecision.DAY_UNKNOWN, dt.date(1935, 5, 1), "昭和10年5月日不詳"),
    ("令和2年頃", DatePrecision.YEAR_APPROXIMATE, dt.date(2020, 1, 1), "令和2年頃"),
    ("令和元年ごろ", DatePrecision.YEAR_APPROXIMATE, dt.date(2019, 5, 1), "令和元年頃"),
    ("昭和元年月日不詳", DatePrecision.MONTH_DAY_UNKNOWN, dt.date(1926, 12, 25), "昭和元年月日不詳"),
    ("1935年月日不詳", DatePrecision.MONTH_DAY_UNKNOWN, dt.date(1935, 1, 1), "1935年月日不詳"),
    ("昭和10年2月29日", DatePrecision.AS_WRITTEN, dt.date(1935, 2, 28), "昭和10年2月29日"),
    ("S10.4.31", DatePrecision.AS_WRITTEN, dt.date(1935, 4, 30), "昭和10年4月31日"),
    ("1935-02-29", DatePrecision.AS_WRITTEN, dt.date(1935, 2, 28), "1935年2月29日"),
    ("明治45年7月30日", DatePrecision.AS_WRITTEN, dt.date(1912, 7, 30), "明治45年7月30日"),
    ("大正15年12月25日", DatePrecision.AS_WRITTEN, dt.date(1926, 12, 25), "大正15年12月25日"),
    ("昭和10年4月1日", DatePrecision.EXACT, dt.date(1935, 4, 1), "昭和10年4月1日"),
    ("1912-07-30", DatePrecision.EXACT, dt.date(1912, 7, 30), "大正元年7月30日"),
])
def test_birth_date_forms_the_standard_allows(text, precision, earliest, shown):
    """標準仕様 1.1.8 (不詳日: 年月日不詳・日不詳・年頃) and 1.1.9 (暦にない日付: 非閏年の2月29日,
    明治45年7月30日): each is read, kept as written, and stored with its earliest real day."""
    birth = parse_birth_date(text)
    assert (birth.precision, birth.earliest, birth.text) == (precision, earliest, shown)
    assert parse_birth_date(birth.text) == birth


@pytest.mark.parametrize("text, message", [
    ("平成31年5月1日", "存在しない和暦の日付"),      # after the era ended, and not a 即日改元 day
    ("令和1年4月30日", "存在しない和暦の日付"),      # before the era began
    ("昭和64年1月8日", "存在しない和暦の日付"),      # 平成 began the day after 昭和 ended
    ("平成31年5月日不詳", "存在しない和暦の年月"),
    ("昭和10年2月32日", "存在しない日付"),
    ("年月日不詳", "推定の年"),                    # a year is needed (the stored date sorts and ages)
    ("昭和10年日不詳", "形式が正しくありません"),
    ("令和〇年頃", "形式が正しくありません"),
    ("35年月日不詳", "年が正しくありません"),
    ("X10年月日不詳", "元号が正しくありません"),
])
def test_birth_dates_still_refused(text, message):
    """標準仕様 1.1.9 allows dates not on the calendar that old registers hold, not any text: an era
    used before it began, or after it ended on a day that was not also its last (平成31年5月1日),
    and a month day past 31 are refused, naming the field."""
    with pytest.raises(ValidationError) as exc:
        parse_birth_date(text)
    assert message in exc.value.messages[0] and "生年月日" in exc.value.messages[0]


@pytest.mark.parametrize("text", ["令和6年5月日不詳", "令和6年頃", "2024年月日不詳"])
def test_other_dates_refuse_vague_forms_with_a_clear_error(text):
    """標準仕様 4.0.3 (異動日) and 1.1.8: 不詳日 are for 生年月日 only; a 異動日 must be a real day."""
    with pytest.raises(ValidationError) as exc:
        parse_date(text, label="異動日")
    assert "不詳日は使えません" in exc.value.messages[0] and exc.value.messages[0].startswith("異動日")


def _random_text(rng: random.Random) -> str:
    era = rng.choice(["明治", "大正", "昭和", "平成", "令和", "M", "S", ""])
    year = rng.choice(["元", str(rng.randint(0, 70))]) if era else str(rng.randint(1860, 2030))
    month = str(rng.randint(0, 13))
    day = str(rng.randint(0, 32))
    return rng.choice([f"{era}{year}年月日不詳", f"{era}{year}年{month}月日不詳", f"{era}{year}年頃",
                       f"{era}{year}年{month}月{day}日", f"{era}{year}.{month}.{day}", f"{era}{year}年不詳"])


def test_round_trip_over_many_generated_texts():
    """標準仕様 1.1.8/1.1.9: whatever is accepted prints as a text that reads back to the same value,
    its stored day is real and no later than any day it can mean (sorting and age err old)."""
    rng = random.Random(20261201)
    accepted = 0
    for _ in range(3000):
        text = _random_text(rng)
        try:
            birth = parse_birth_date(text)
        except ValidationError:
            continue
        accepted += 1
        again = parse_birth_date(birth.text)
        assert again == birth and again.text == birth.text, text
        _assert_earliest(birth)
    assert accepted > 500


ERA_STARTS = {e.starts for e in eras()}


def _assert_earliest(birth: BirthDate) -> None:
    """The stored day of a vague date is the first day it can mean: 1月1日 (or the era's first day)
    for a year, the 1st (or the era's first day) for a month; an as-written day past the month's
    end is the month's last day."""
    first_possible = birth.earliest in ERA_STARTS
    if birth.precision in (DatePrecision.MONTH_DAY_UNKNOWN, DatePrecision.YEAR_APPROXIMATE):
        assert (birth.earliest.month, birth.earliest.day) == (1, 1) or first_possible
    elif birth.precision == DatePrecision.DAY_UNKNOWN:
        assert birth.earliest.month == birth.month and (birth.earliest.day == 1 or first_possible)
    elif birth.precision == DatePrecision.AS_WRITTEN:
        assert birth.earliest.month == birth.month and birth.day is not None and birth.earliest.day <= birth.day


def test_exact_dates_round_trip_through_wareki():
    """標準仕様 1.1.8 (和暦で表示): every real day since 明治 prints in 和暦 and reads back as itself."""
    day = dt.date(1868, 1, 25)
    while day < dt.date(2040, 1, 1):
        assert parse_birth_date(to_wareki(day)) == BirthDate(DatePrecision.EXACT, day)
        day += dt.timedelta(days=17)


# --- through the registry ------------------------------------------------------------------------

def _pdf_text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


@pytest.fixture
def vague_household(in_a, clerk_a, approve):
    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
        data=move_in_data([
            person_data(birth_date="昭和10年月日不詳"),
            person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻",
                        birth_date="明治45年7月30日", resident_code="12345678902"),
        ]))
    approve(change)
    change.refresh_from_db()
    return {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}


@pytest.mark.django_db
def test_move_in_stores_a_vague_birth_date_as_the_register_states_it(vague_household):
    """標準仕様 1.1.8: 「昭和10年月日不詳」 from a 転出証明書 is kept as written; the date column holds
    the earliest day (1935-01-01) for sorting and age, and 「明治45年7月30日」 is kept too (1.1.9)."""
    taro, hanako = vague_household["太郎"], vague_household["花子"]
    assert (taro.birth_date, taro.birth_date_precision, taro.birth_date_note) == \
        (dt.date(1935, 1, 1), "month_day_unknown", "昭和10年月日不詳")
    assert (hanako.birth_date, hanako.birth_date_precision, hanako.birth_date_note) == \
        (dt.date(1912, 7, 30), "as_written", "明治45年7月30日")
    assert birth_date_text(taro) == "昭和10年月日不詳"


@pytest.mark.django_db
def test_person_page_household_and_search_show_the_register_wording(vague_household, client_a):
    """標準仕様 1.1.8: screens show 「昭和10年月日不詳」, never a made-up 1月1日."""
    taro = vague_household["太郎"]
    page = client_a.get(f"/residents/persons/{taro.person_id}/").content.decode()
    assert "昭和10年月日不詳" in page and "昭和10年1月1日" not in page
    household = client_a.get(f"/residents/households/{taro.household_id}/").content.decode()
    assert "昭和10年月日不詳" in household and "明治45年7月30日" in household
    found = client_a.get("/residents/", {"q": "ヤマダ タロウ"}).content.decode()
    assert "昭和10年月日不詳" in found


@pytest.mark.django_db
def test_certificate_prints_the_vague_birth_date_as_written(vague_household, in_a, clerk_a):
    """標準仕様 1.1.8 / 20.1.1: the 住民票の写し prints 「昭和10年月日不詳」 and 「明治45年7月30日」."""
    issued = certificate_issue(actor=clerk_a, town=in_a, kind="copy",
                               person_ids=[v.person_id for v in vague_household.values()],
                               requester_name="山田太郎", requester_relation="本人", purpose="就職")
    text = _pdf_text(issued.pdf)
    assert "昭和10年月日不詳" in text and "明治45年7月30日" in text and "昭和10年1月1日" not in text


@pytest.mark.django_db
def test_csv_export_carries_the_wording_and_the_precision(vague_household, approver_client):
    """標準仕様 1.1.8: the export keeps the ISO 生年月日 (earliest day) and adds what the register states."""
    body = approver_client.get("/residents/export.csv", {"purpose": "照合"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    taro = next(r for r in rows[1:] if r[2].endswith("太郎"))
    record = dict(zip(header, taro, strict=True))
    assert record["生年月日"] == "1935-01-01"
    assert (record["生年月日（記載）"], record["生年月日の精度"]) == ("昭和10年月日不詳", "month_day_unknown")


@pytest.mark.django_db
def test_vague_birth_date_still_checks_the_change_date(in_a, clerk_a):
    """標準仕様 4.0.3: 異動日 ≥ 生年月日 uses the earliest day a 不詳日 can mean (令和5年頃 → 2023-01-01)."""
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2022-06-01",
                               effective_on="2022-06-01", data=move_in_data([person_data(birth_date="令和5年頃")]))
    assert "異動日が生年月日より前です" in exc.value.message_dict["effective_on"][0]


@pytest.mark.django_db
def test_a_vague_change_date_is_refused_on_entry(in_a, clerk_a):
    """標準仕様 4.0.3 / 1.1.8: only the 生年月日 may be vague; a 転入 dated 「令和6年5月日不詳」 is refused."""
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-06-01",
                               effective_on="令和6年5月日不詳", data=move_in_data())
    assert "不詳日は使えません" in exc.value.message_dict["effective_on"][0]


@pytest.mark.django_db
def test_move_in_form_accepts_a_vague_birth_date(in_a, client_a, approver_client):
    """標準仕様 1.1.8: the 転入届 page takes 「昭和10年5月日不詳」; the change page shows it as written."""
    from tenants.residents.models import Change

    fields = {"notified_on": "2024-04-05", "effective_on": "2024-04-01", "address": "佐賀県武雄市武雄町1番地",
              "previous_address": "福岡県福岡市中央区天神1丁目1番1号"}
    person = {f"p0_{k}": v for k, v in person_data(birth_date="昭和10年5月日不詳").items()}
    response = client_a.post("/residents/changes/new/move-in/", {**fields, **person})
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.latest("entered_at")
    assert change.payload["persons"][0]["birth_date_note"] == "昭和10年5月日不詳"
    assert "昭和10年5月日不詳" in approver_client.get(f"/residents/changes/{change.pk}/").content.decode()


@pytest.mark.django_db
def test_ex_officio_correction_to_a_vague_birth_date(household, in_a, clerk_a, approve):
    """標準仕様 1.1.8 / 職権修正: a 生年月日 corrected to 「昭和55年月日不詳」 is a new history row; the old
    exact date stays in the history (1.2.1)."""
    taro = household["taro"]
    change = services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_correct", notified_on="2024-05-01",
                                    effective_on="2024-05-01",
                                    data={"person_id": taro.person_id, "fields": {"birth_date": "昭和55年月日不詳"}})
    approve(change)
    rows = list(PersonVersion.objects.filter(person_id=taro.person_id).order_by("history_no"))
    assert (rows[-1].birth_date, rows[-1].birth_date_note) == (dt.date(1980, 1, 1), "昭和55年月日不詳")
    assert (rows[0].birth_date, rows[0].birth_date_precision) == (dt.date(1980, 4, 1), "exact")


@pytest.mark.django_db
def test_correction_page_keeps_the_vague_wording(vague_household, client_a):
    """標準仕様 1.1.8: the 職権修正 form starts from 「昭和10年月日不詳」, not from a made-up day."""
    page = client_a.get(f"/residents/persons/{vague_household['太郎'].person_id}/correct/").content.decode()
    assert 'value="昭和10年月日不詳"' in page


@pytest.fixture
def _forget_the_new_era():
    """The row is rolled back after the test, but this process's code-table cache (a minute per town)
    would still hold it for the next tests in the town."""
    yield
    from tenants.reference import display

    display.clear()


@pytest.mark.django_db
@pytest.mark.usefixtures("_forget_the_new_era")
def test_a_new_era_in_the_code_table_parses_and_prints(in_a):
    """標準仕様 1.1.8 (元号はパラメータで管理): a 元号 row added to the town's code table makes dates in
    it parse and print, and ends the previous era the day before — no code change."""
    from tenants.reference.models import ReferenceCode

    ReferenceCode.objects.create(code_type="era", code="6", label="新和", label_kana="シンワ", sort_order=6,
                                 standard=False, valid_from=dt.date(2031, 5, 1))
    assert parse_date("新和元年5月1日", label="異動日") == dt.date(2031, 5, 1)
    assert to_wareki(dt.date(2032, 1, 2)) == "新和2年1月2日"
    assert to_wareki(dt.date(2031, 4, 30)) == "令和13年4月30日"
    with pytest.raises(ValidationError):
        parse_date("令和13年5月1日", label="異動日")
    assert parse_birth_date("新和2年月日不詳").earliest == dt.date(2032, 1, 1)
