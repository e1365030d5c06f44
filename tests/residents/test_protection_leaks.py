"""支援措置: the protected address leaves by no route, including through people who are not in the
protected household (標準仕様 3.1 抑止 and 1.6 支援措置: 住所を秘匿).

A distinctive address is planted for
 (a) the protected household (the measure is on one of its members),
 (b) a second household registered at the same 住所 and 方書 (同一住所別世帯),
 (c) a member who left (a) by 世帯分離 and then 転居'd elsewhere: their history still holds it,
 (d) a 転入 into that address entered (仮登録) before the measure and still pending,
and every page of the residents urlconf, every search, the CSV export and every certificate is
scanned for it, as a clerk, an approver and a section chief: before any warning is acknowledged
nothing carries it; behind the acknowledged warning only the pages of the persons the measure
covers do (the permitted warning view), never a search, an export or a certificate.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.urls import URLPattern, reverse
from pypdf import PdfReader

from kyodo.tenantlog.models import AuditEntry
from tenants.residents import selectors, services, urls
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import BlockedAttempt, CertificateIssuance, ChangeKind, PersonVersion
from tenants.residents.protection import HIDDEN_ADDRESS
from tenants.residents.suppression import AlertRequired, Refused
from tests.conftest import logged_in_client

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

PLANTED = "佐賀県武雄市秘匿町９９番地の９"
KATAGAKI = "秘匿荘９９９"
ELSEWHERE = "佐賀県武雄市朝日町大字甘久2000番地"
# Every spelling of the planted strings that could appear in a page, a CSV or a PDF.
NEEDLES = (PLANTED, KATAGAKI, unicodedata.normalize("NFKC", PLANTED), unicodedata.normalize("NFKC", KATAGAKI),
           "秘匿町", "秘匿荘")
AS_OF = ("2024-03-01", "2024-04-15", "2024-05-15", "2024-06-15", "2024-07-15", dt.date.today().isoformat())


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\u3000", "") \
        .replace("\n", "")


def _leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def _submit(clerk, town, kind, data, *, effective, notified=None, alert_purpose=""):
    return services.change_submit(actor=clerk, town=town, kind=kind, notified_on=notified or effective,
                                  effective_on=effective, data=data, alert_purpose=alert_purpose)


@pytest.fixture
def planted(in_a, clerk_a, approve):
    """(a), (b), (c) and (d), built through the real services; no measure yet."""
    a = _submit(clerk_a, in_a, "move_in", move_in_data([
        person_data(),
        person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻", birth_date="1982-07-07",
                    resident_code="12345678902"),
        person_data(given_name="一郎", given_name_kana="イチロウ", relationship="子", birth_date="平成10年1月15日",
                    resident_code="12345678903"),
    ], address=PLANTED, katagaki=KATAGAKI), effective="2024-04-01")
    approve(a)
    a.refresh_from_db()
    members = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=a.household)}
    # (b) 同一住所別世帯: typed with half-width digits, the same address and 方書 all the same.
    b = _submit(clerk_a, in_a, "move_in", move_in_data(
        [person_data(family_name="佐藤", family_name_kana="サトウ", given_name="健", given_name_kana="ケン",
                     hittousha="佐藤健", resident_code="22345678901")],
        address=unicodedata.normalize("NFKC", PLANTED), katagaki=f" {KATAGAKI} ", moveout_certificate_no="F-0002"),
        effective="2024-04-10")
    approve(b)
    b.refresh_from_db()
    sato = PersonVersion.objects.get(is_current=True, household=b.household)
    # (c) 一郎 leaves by 世帯分離 (same address, new household), then 転居 elsewhere.
    ichiro = members["一郎"].person_id
    split = _submit(clerk_a, in_a, "household_split", {
        "household_id": a.household_id, "person_ids": [ichiro], "relationships": {str(ichiro): "世帯主"}},
        effective="2024-05-01")
    approve(split)
    ichiro_household = PersonVersion.objects.get(person_id=ichiro, is_current=True).household_id
    moved = _submit(clerk_a, in_a, "relocation", {
        "household_id": ichiro_household, "address": ELSEWHERE, "katagaki": "甘久ハイツ201", "district": "朝日",
        "postal_code": "843-0021"}, effective="2024-06-01")
    approve(moved)
    # (d) a 転入 into the planted address, still 仮登録.
    pending = _submit(clerk_a, in_a, "move_in", move_in_data(
        [person_data(family_name="鈴木", family_name_kana="スズキ", given_name="秋", given_name_kana="アキ",
                     hittousha="鈴木秋", resident_code="32345678901")],
        address=PLANTED, katagaki=KATAGAKI, moveout_certificate_no="F-0003"), effective="2024-06-20")
    from tenants.residents.models import Household, Person

    everyone = [v.person_id for v in members.values()] + [sato.person_id]
    numbers = [p.atena_number for p in Person.objects.filter(pk__in=everyone)] \
        + [p.resident_code for p in Person.objects.filter(pk__in=everyone)] \
        + [h.number for h in Household.objects.filter(pk__in=[a.household_id, b.household_id, ichiro_household])]
    return {
        "taro": members["太郎"].person_id, "hanako": members["花子"].person_id, "ichiro": ichiro,
        "sato": sato.person_id,
        "households": [a.household_id, b.household_id, ichiro_household],
        "ichiro_household": ichiro_household, "sato_household": b.household_id,
        "changes": [a.pk, b.pk, split.pk, moved.pk, pending.pk],
        "names": ["山田", "ヤマダ", "やまだ", "太郎", "花子", "一郎", "タロウ", "ハナコ", "イチロウ", "山田 一郎",
                  "ヤマダ イチロウ", "佐藤", "サトウ", "健", "ケン", "佐藤 健", "鈴木", "スズキ", *numbers],
    }


@pytest.fixture
def protected(planted, in_a, approver_a):
    measure = services.support_measure_create(actor=approver_a, town=in_a, person_id=planted["hanako"],
                                              starts_on="2024-07-01", aggressors=[{"name": "加害 次郎"}])
    return {**planted, "measure": measure}


def test_the_scan_can_fail_before_the_measure(planted, client_a, approver_client):
    """Without a measure the planted address is on (b)'s page, (c)'s history and the pending
    change: the scan below looks where the address really is (標準仕様 1.6 支援措置)."""
    sato = client_a.get(f"/residents/persons/{planted['sato']}/").content.decode()
    assert unicodedata.normalize("NFKC", PLANTED) in sato and KATAGAKI in sato
    history = client_a.get(f"/residents/persons/{planted['ichiro']}/").content.decode()
    assert PLANTED in history and KATAGAKI in history
    assert PLANTED in client_a.get(f"/residents/persons/{planted['ichiro']}/", {"as_of": "2024-05-15"}) \
        .content.decode()
    assert PLANTED in client_a.get(f"/residents/changes/{planted['changes'][-1]}/").content.decode()
    assert PLANTED in approver_client.get("/residents/export.csv", {"purpose": "照合"}).content.decode()
    assert _leaks(client_a.get("/residents/", {"q": "サトウ"}).content.decode())
    from tenants.residents.models import Person

    by_number = client_a.get("/residents/", {"q": Person.objects.get(pk=planted["sato"]).atena_number})
    assert _leaks(by_number.content.decode())


def _routes(ids: dict) -> tuple[list[tuple[str, str]], set[str]]:
    """(method, url) for every pattern of the residents urlconf with every id involved; the names
    covered, so that a route added later without a case here fails the test."""
    by_prefix = {
        "persons/": ids["persons"], "households/": ids["households"], "changes/": ids["changes"],
        "measures/requests/": ids["requests"], "measures/": ids["measures"], "lifts/": ids["lifts"],
        "suppressions/": ids["suppressions"], "certificates/": ids.get("issuances", []),
        "inspections/": ids.get("inspections", []),
    }
    # Routes that decide or set something when posted are only requested with GET (they answer 405).
    decide_on_post = {"change_decide", "measure_decide", "measure_action", "lift_decide", "lift_request",
                      "suppression_set", "suppression_end", "issuance_destroy", "inspection_decide"}
    out, covered = [], set()
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route, name = str(pattern.pattern), pattern.name
        assert name is not None
        covered.add(name)
        converters = pattern.pattern.converters  # type: ignore[attr-defined]
        methods = ["get"] if name in decide_on_post else ["get", "post"]
        if not converters:
            out += [(m, reverse(f"residents:{name}")) for m in methods]
            continue
        pks = next(v for prefix, v in by_prefix.items() if route.startswith(prefix))
        kinds = [k.value for k in ChangeKind] if "kind" in converters else [None]
        for pk in pks:
            for kind in kinds:
                kwargs = {"pk": pk, **({"kind": kind} if kind else {})}
                url = reverse(f"residents:{name}", kwargs=kwargs)
                out += [(m, url) for m in methods]
                if name in ("person_detail", "household_detail"):
                    out += [("get", f"{url}?as_of={day}") for day in AS_OF]
    return out, covered


def _scan(client, ids, label, permitted=()):
    """Leaks in every response; ``permitted`` are the URL prefixes of the warning view (HTML pages
    of the covered persons, once their warning is acknowledged) where the address may show."""
    leaks = []
    routes, covered = _routes(ids)
    assert covered == {p.name for p in urls.urlpatterns}
    for method, url in routes:
        response = getattr(client, method)(url)
        assert response.status_code < 500, (label, method, url)
        body = response.content
        is_pdf = response.get("Content-Type", "").startswith("application/pdf")
        text = _pdf_text(body) if is_pdf else body.decode()
        if not is_pdf and any(url.startswith(prefix) for prefix in permitted):
            continue
        leaks += [(label, method, url, n) for n in _leaks(text)]
    for query in ids["names"]:
        for extra in ({}, {"removed": "1"}, {"partial": "1"}):
            body = client.get("/residents/", {"q": query, **extra}).content.decode()
            leaks += [(label, "search", query, n) for n in _leaks(body)]
    for purpose, district in (("照合", ""), ("統計", "武雄"), ("統計", "朝日")):
        response = client.get("/residents/export.csv", {"purpose": purpose, "district": district})
        assert response.status_code in (200, 403)
        leaks += [(label, "export", purpose, n) for n in _leaks(response.content.decode())]
    for pid in ids["persons"]:
        for kind in ("copy", "items", "move_out"):
            for relation, purpose in (("第三者", "債権回収"), ("本人", "就職")):
                for options in ({}, {"include_relationship": "on", "include_honseki": "on"}):
                    response = client.post(f"/residents/persons/{pid}/certificate/", {
                        "kind": kind, "requester_name": "請求 太郎", "requester_relation": relation,
                        "purpose": purpose, "person_ids": [str(pid)], **options})
                    assert response.status_code < 500
                    body = response.content
                    is_pdf = response.get("Content-Type", "").startswith("application/pdf")
                    text = _pdf_text(body) if is_pdf else body.decode()
                    leaks += [(label, "certificate", pid, kind, relation, n) for n in _leaks(text)]
    return leaks


def _ids(protected, request_ids=(), lift_ids=(), suppression_ids=()):
    return {
        "persons": [protected[k] for k in ("taro", "hanako", "ichiro", "sato")],
        "households": protected["households"], "changes": protected["changes"],
        "measures": [protected["measure"].pk], "requests": list(request_ids), "lifts": list(lift_ids),
        "suppressions": list(suppression_ids), "names": protected["names"],
        "issuances": list(CertificateIssuance.objects.values_list("pk", flat=True)),
        "inspections": protected.get("inspections", []),
    }


def _pending_requests(protected, in_a, clerk_a, approver_a):
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=protected["measure"],
                                               kind="end", purpose="終了の申請（未決裁）")
    lift = services.lift_request(actor=clerk_a, town=in_a, person_id=protected["hanako"], purpose="未決裁の一時解除")
    block = services.suppression_set(actor=approver_a, town=in_a, process="inquiry", severity="alert",
                                     reason="guardianship", person_id=protected["ichiro"], starts_on="2024-07-01")
    return _ids(protected, [request.pk], [lift.pk], [block.pk])


def _acknowledge(client, person_ids):
    response = client.post("/residents/alerts/acknowledge/", {"person_ids": [str(p) for p in person_ids],
                                                              "purpose": "漏えい検査"})
    assert response.status_code == 302


def _approved_inspection(in_a, clerk_a, approver_a):
    """An approved 閲覧 request covering the planted address (its extract is scanned too)."""
    from tenants.residents.services import inspection

    asked = inspection.inspection_request_create(
        actor=clerk_a, town=in_a, requester_type="government", requester_name="武雄市選挙管理委員会",
        requester_address="佐賀県武雄市武雄町", purpose="世論調査", address_prefix="佐賀県武雄市")
    inspection.inspection_request_decide(actor=approver_a, town=in_a, request=asked, approve=True)
    return asked.pk


def test_no_page_search_export_or_certificate_shows_the_protected_address(protected, in_a, clerk_a, approver_a,
                                                                            client_a, approver_client, chief_a):
    """標準仕様 3.1 / 1.6 支援措置 (住所を秘匿): once the measure is on 花子, no response of any route
    of the residents app — for (a), the same-address household (b), the departed member (c) or
    the pending 転入 (d), including the 閲覧 extract — carries the planted 住所 or 方書 before the
    warning is acknowledged, as a clerk, an approver or a section chief."""
    ids = {**_pending_requests(protected, in_a, clerk_a, approver_a),
           "inspections": [_approved_inspection(in_a, clerk_a, approver_a)]}
    leaks = _scan(client_a, ids, "clerk") + _scan(approver_client, ids, "approver") \
        + _scan(logged_in_client(chief_a, "takeo.test"), ids, "chief")
    assert leaks == []


def test_behind_the_warning_only_the_covered_persons_pages_show_it(protected, in_a, clerk_a, approver_a, client_a):
    """標準仕様 1.6 (照会 is an alert): a clerk who acknowledged the warning for every covered person
    sees the address on those persons' own pages only; search results, the CSV export, every
    certificate (refused, or for the departed member printed without it) and the departed member's
    history still never carry it."""
    ids = {**_pending_requests(protected, in_a, clerk_a, approver_a),
           "inspections": [_approved_inspection(in_a, clerk_a, approver_a)]}
    covered = [protected[k] for k in ("taro", "hanako", "sato")]
    _acknowledge(client_a, covered + [protected["ichiro"]])
    permitted = [f"/residents/persons/{p}/" for p in covered] \
        + [f"/residents/households/{h}/" for h in protected["households"][:2]] \
        + [f"/residents/changes/{c}/" for c in protected["changes"][:2]]
    assert _scan(client_a, ids, "clerk behind the warning", permitted) == []
    shown = client_a.get(f"/residents/persons/{protected['sato']}/").content.decode()
    assert KATAGAKI in shown and 'id="suppression-banner"' in shown  # the scan looked where it shows


def test_same_address_household_is_protected_like_the_household(protected, in_a, clerk_a, approver_a, client_a):
    """標準仕様 1.6 支援措置: (b) lives at the protected 住所+方書 in another 世帯, so showing (b)'s
    address shows 花子's: (b)'s pages go through the same warning, searches hide it, the export
    leaves (b) out and (b)'s certificates are refused, each refusal logged and flagged."""
    for path in (f"/residents/persons/{protected['sato']}/", f"/residents/households/{protected['sato_household']}/",
                 f"/residents/persons/{protected['sato']}/correct/"):
        response = client_a.get(path)
        body = response.content.decode()
        assert response.status_code == 200 and 'id="alert-gate"' in body and not _leaks(body)
    with pytest.raises(AlertRequired):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["sato"])
    [row] = selectors.persons_search(actor=clerk_a, town=in_a, query="サトウ")
    assert row.address == HIDDEN_ADDRESS and row.katagaki == "" and row.protected
    assert not any(r[2].startswith("佐藤") for r in selectors.residents_export(actor=approver_a, town=in_a, purpose="x"))
    assert BlockedAttempt.objects.filter(person_id=protected["sato"], channel="export").count() == 1
    with pytest.raises(Refused):
        certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[protected["sato"]],
                          requester_name="佐藤健", requester_relation="本人", purpose="就職")
    assert AuditEntry.objects.filter(action="certificate.blocked", target_id=str(protected["sato"])).exists()


def test_departed_member_is_served_with_history_addresses_hidden(protected, in_a, clerk_a, client_a):
    """標準仕様 1.6 支援措置: (c) no longer lives at the protected address, so (c) is still served —
    page, as-of view, search, export and certificates show (c)'s present address — but every
    history row at the protected address is shown with 「（支援措置により非表示）」."""
    pid = protected["ichiro"]
    page = client_a.get(f"/residents/persons/{pid}/")
    body = page.content.decode()
    assert page.status_code == 200 and ELSEWHERE in body and HIDDEN_ADDRESS in body and not _leaks(body)
    view = selectors.person_get(actor=clerk_a, town=in_a, person_id=pid)
    assert [h.address for h in view.history] == [HIDDEN_ADDRESS, HIDDEN_ADDRESS, ELSEWHERE]
    assert all(h.katagaki == "" and h.postal_code == "" for h in view.history[:2])
    # nothing was written: the stored rows keep the address, and a redacted copy cannot be saved
    assert PersonVersion.objects.filter(person_id=pid, address=PLANTED).count() == 2
    with pytest.raises(RuntimeError):
        view.history[0].save()
    assert AuditEntry.objects.filter(action="person.read").order_by("-seq").first().detail["rows_redacted"] == 2
    then = client_a.get(f"/residents/persons/{pid}/", {"as_of": "2024-05-15"})
    assert then.status_code == 200 and HIDDEN_ADDRESS in then.content.decode() and not _leaks(then.content.decode())
    household = client_a.get(f"/residents/households/{protected['ichiro_household']}/", {"as_of": "2024-05-15"})
    assert household.status_code == 200 and HIDDEN_ADDRESS in household.content.decode()
    assert [r.address for r in selectors.persons_search(actor=clerk_a, town=in_a, query="イチロウ")] == [ELSEWHERE]
    pdf = certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[pid], requester_name="山田一郎",
                            requester_relation="第三者", purpose="債権回収").pdf
    assert ELSEWHERE in _pdf_text(pdf) and not _leaks(_pdf_text(pdf))


def test_pending_change_into_the_protected_address_is_listed_without_content(protected, in_a, clerk_a):
    """標準仕様 1.6 支援措置: a 転入 into the protected address entered before the measure stays in
    the queue, but its content (住所) is not shown."""
    items = {i.change.pk: i for i in selectors.changes_pending(actor=clerk_a, town=in_a)}
    assert items[protected["changes"][-1]].address_hidden
    assert selectors.change_get(actor=clerk_a, town=in_a, change_id=protected["changes"][-1]).address_hidden
    # the 転居 of (c) to elsewhere names no protected address
    assert not selectors.change_get(actor=clerk_a, town=in_a, change_id=protected["changes"][3]).address_hidden


def test_a_release_prints_the_protected_address_once_for_its_requester(protected, in_a, clerk_a, chief_a):
    """標準仕様 1.6 (the 支援措置責任者 releases one issuance after review): the released 写し carries
    (b)'s address — that is what was released — and the next request is refused again."""
    lift = services.lift_request(actor=clerk_a, town=in_a, person_id=protected["sato"], purpose="本人の請求を審査")
    services.lift_decide(actor=chief_a, town=in_a, lift=lift, approve=True)
    pdf = certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[protected["sato"]],
                            requester_name="佐藤健", requester_relation="本人", purpose="就職").pdf
    assert "秘匿荘" in _pdf_text(pdf)
    with pytest.raises(Refused):
        certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[protected["sato"]],
                          requester_name="佐藤健", requester_relation="本人", purpose="就職")


def test_ending_the_measure_shows_the_address_again(protected, in_a, clerk_a, approver_a, chief_a):
    """標準仕様 1.6: the block lasts until the measure is ended by a second person, not longer."""
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=protected["measure"],
                                               kind="end", purpose="本人からの終了申出")
    services.support_measure_decide(actor=chief_a, town=in_a, request=request, approve=True)
    assert selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["sato"]).version.katagaki == KATAGAKI
    assert selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["ichiro"]).history[0].address \
        == PLANTED


@pytest.fixture
def two_measures(household, in_a, approver_a):
    first, second = (services.support_measure_create(actor=approver_a, town=in_a,
                                                     person_id=household["hanako"].person_id, starts_on=start)
                     for start in ("2024-05-01", "2024-06-01"))
    return {**household, "first": first, "second": second}


@pytest.mark.parametrize("which", ["first", "second"])
def test_ending_one_of_two_measures_still_protects(two_measures, in_a, clerk_a, approver_a, chief_a, which):
    """標準仕様 3.1 (several blocks can apply at once): ending one of two active measures on a
    person, approved by a second person, leaves them protected by the other: still behind the
    warning, still no certificate, still out of the export, the address still hidden elsewhere."""
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=two_measures[which],
                                               kind="end", purpose="一方の措置の終了")
    services.support_measure_decide(actor=chief_a, town=in_a, request=request, approve=True)
    two_measures[which].refresh_from_db()
    assert two_measures[which].status == "ended"
    for key in ("hanako", "taro"):
        with pytest.raises(AlertRequired):
            selectors.person_get(actor=clerk_a, town=in_a, person_id=two_measures[key].person_id)
        with pytest.raises(Refused):
            certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[two_measures[key].person_id],
                              requester_name="山田太郎", requester_relation="本人", purpose="就職")
    assert not any(r[2].startswith("山田") for r in selectors.residents_export(actor=approver_a, town=in_a, purpose="x"))
    assert {r.address for r in selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ")} == {HIDDEN_ADDRESS}


@pytest.mark.parametrize("which", ["first", "second"])
def test_viewing_behind_one_measure_does_not_reveal_an_address_only_another_protects(
        two_measures, in_a, clerk_a, approver_a, approve, which):
    """標準仕様 3.1: the warning view reveals the addresses of the measures covering the person seen;
    an address protected by another measure alone stays hidden in that person's history."""
    from .conftest import move_in_data, person_data

    household = two_measures["household"].pk
    for address, day in ((PLANTED, "2024-04-10"), (ELSEWHERE, "2024-04-20")):  # 山田 lived at PLANTED once
        approve(_submit(clerk_a, in_a, "relocation", {"household_id": household, "address": address,
                                                       "katagaki": KATAGAKI if address == PLANTED else ""},
                        effective=day, notified=day, alert_purpose="転居届"), town=in_a, alert_purpose="審査")
    other = _submit(clerk_a, in_a, "move_in", move_in_data(
        [person_data(family_name="高橋", family_name_kana="タカハシ", hittousha="高橋太郎", resident_code="42345678901")],
        address=PLANTED, katagaki=KATAGAKI, moveout_certificate_no="F-0009"), effective="2024-04-25")
    approve(other)
    other.refresh_from_db()
    takahashi = PersonVersion.objects.get(is_current=True, household=other.household).person_id
    services.support_measure_create(actor=approver_a, town=in_a, person_id=takahashi, starts_on="2024-05-01")
    hanako = two_measures["hanako"].person_id
    view = selectors.person_get(actor=clerk_a, town=in_a, person_id=hanako, alert_purpose="確認")
    assert view.version.address == ELSEWHERE  # her own protected address, revealed behind her warning
    addresses = [h.address for h in view.history]
    assert PLANTED not in addresses and HIDDEN_ADDRESS in addresses and ELSEWHERE in addresses


def test_the_check_stays_a_few_queries(protected, in_a, clerk_a):
    """Every read runs the check: a few queries whatever the number of persons and measures, and
    the protected set comes from the cache while the town's protection generation holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.residents import protection, suppression

    ids = list(PersonVersion.objects.values_list("person_id", flat=True).distinct()) + list(range(10_000, 10_500))
    protection.inspect(ids)  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        seen = protection.inspect(ids)
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 1  # (django-tenants adds SET search_path)
    assert {protected["taro"], protected["hanako"], protected["sato"]} <= seen.blocked
    assert protected["ichiro"] not in seen.blocked
    with CaptureQueriesContext(connection) as queries:
        suppression.check("inquiry", ids, actor=clerk_a)
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 1
    with CaptureQueriesContext(connection) as queries:  # an error meets a member of staff: their lifts
        assert suppression.check("certificate", ids, actor=clerk_a).errors
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 2


def test_the_cache_follows_every_write_that_moves_protection(protected, in_a, clerk_a, approver_a, chief_a,
                                                             approve):
    """The protected set is cached per town but never stale: a new 転入 to the address, a block set
    on a person, the end of the measure, are seen by the next check."""
    from tenants.residents import protection

    assert protected["sato"] in protection.protected_person_ids([protected["sato"]])
    from .conftest import move_in_data, person_data

    newcomer = _submit(clerk_a, in_a, "move_in", move_in_data(
        [person_data(family_name="伊藤", family_name_kana="イトウ", hittousha="伊藤一", resident_code="52345678901")],
        address=PLANTED, katagaki=KATAGAKI, moveout_certificate_no="F-0010"), effective="2024-07-02")
    approve(newcomer)
    newcomer.refresh_from_db()
    ito = PersonVersion.objects.get(is_current=True, household=newcomer.household).person_id
    assert ito in protection.protected_person_ids([ito])
    from tenants.residents import suppression

    assert suppression.check("change", [protected["ichiro"]]).clear
    services.suppression_set(actor=approver_a, town=in_a, process="change", severity="error", reason="court_order",
                             person_id=protected["ichiro"], starts_on="2024-07-01")
    assert suppression.check("change", [protected["ichiro"]]).errors == {protected["ichiro"]}
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=protected["measure"],
                                               kind="end", purpose="終了")
    services.support_measure_decide(actor=chief_a, town=in_a, request=request, approve=True)
    assert protection.protected_person_ids([ito, protected["sato"]]) == set()


def test_protected_person_split_off_at_the_same_address_protects_the_household_left(household, in_a, clerk_a,
                                                                                    approver_a, approve, client_a):
    """標準仕様 1.6 支援措置: 花子 leaves the household by 世帯分離 but lives on at the same 住所+方書;
    the measure is then put on her. The household she left is now another 世帯 at her address, so
    its members are refused like hers (before, only her current household was)."""
    hanako = household["hanako"].person_id
    split = _submit(clerk_a, in_a, "household_split", {
        "household_id": household["household"].pk, "person_ids": [hanako], "relationships": {str(hanako): "世帯主"}},
        effective="2024-05-01")
    approve(split)
    assert client_a.get(f"/residents/persons/{household['taro'].person_id}/").status_code == 200
    services.support_measure_create(actor=approver_a, town=in_a, person_id=hanako, starts_on="2024-06-01")
    for key in ("taro", "ichiro"):
        response = client_a.get(f"/residents/persons/{household[key].person_id}/")
        body = response.content.decode()
        assert 'id="alert-gate"' in body and household["taro"].address not in body
    assert 'id="alert-gate"' in client_a.get(f"/residents/households/{household['household'].pk}/").content.decode()
    assert {r.address for r in selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ")} == {HIDDEN_ADDRESS}
