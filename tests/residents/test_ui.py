"""The portal's template components on the residents pages (docs/ui.md): a menu that lists only what
the role may open, the page header's 氏名（所属・役割）, htmx partials for search-as-you-type and page
links (the whole page without JavaScript), inline date checks and the fields' ARIA wiring."""

from __future__ import annotations

import re

import pytest

from tests.conftest import logged_in_client

from .conftest import person_data

pytestmark = pytest.mark.django_db

HOST = "takeo.test"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _menu(html: str) -> list[str]:
    nav = html.split('<nav class="kd-nav"')[1].split("</nav>")[0]
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]+)</a>', nav)


def test_the_menu_lists_only_what_the_role_may_open(client_a, approver_client, chief_a):
    clerk_menu = _menu(client_a.get("/residents/").content.decode())
    assert clerk_menu == ["業務メニュー", "住民検索", "転入届の入力", "審査・決裁", "交付履歴", "閲覧"]
    for label, url in (("支援措置", "/residents/measures/"), ("警告", "/residents/alerts/"),
                       ("監査ログ", "/residents/audit/")):
        assert label not in clerk_menu and client_a.get(url).status_code == 403
    approver_menu = _menu(approver_client.get("/residents/").content.decode())
    assert "支援措置" in approver_menu and "警告" in approver_menu and "監査ログ" not in approver_menu
    chief_menu = _menu(logged_in_client(chief_a, HOST).get("/residents/").content.decode())
    assert chief_menu[-3:] == ["支援措置", "警告", "監査ログ"]
    # every entry shown opens
    chief = logged_in_client(chief_a, HOST)
    nav = chief.get("/residents/").content.decode().split('<nav class="kd-nav"')[1].split("</nav>")[0]
    for url in re.findall(r'href="(/residents/[^"]*)"', nav):
        assert chief.get(url).status_code == 200, url


def test_the_current_page_is_marked_in_the_menu(client_a):
    html = client_a.get("/residents/changes/new/move-in/").content.decode()
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
    assert current == ["/residents/changes/new/move-in/"]


def test_the_header_names_the_member_of_staff_family_name_first_with_town_and_role(clerk_a, client_a):
    clerk_a.first_name, clerk_a.last_name = "花子", "武雄"
    clerk_a.save()
    html = client_a.get("/residents/").content.decode()
    assert '<span id="signed-in-as">武雄 花子（武雄市・窓口担当）</span>' in html


def test_search_answers_htmx_with_the_results_part_only(household, client_a):
    full = client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert "<html" in full and 'id="search-results"' in full and 'id="results"' in full
    part = client_a.get("/residents/", {"q": "やまだ"}, **HTMX)
    body = part.content.decode()
    assert part.status_code == 200 and "<html" not in body and "<nav" not in body.split('kd-pagination')[0]
    assert 'id="results"' in body and "山田 太郎" in body and "3件" in body
    empty = client_a.get("/residents/", {"q": "いない"}, **HTMX).content.decode()
    assert 'id="no-results"' in empty and "該当する住民は見つかりませんでした。" in empty
    # an error is swapped in too (htmx does not swap a 400), while the full page still answers 400
    error = client_a.get("/residents/", {"q": "0000000018"}, **HTMX)
    assert error.status_code == 200 and 'id="search-error"' in error.content.decode()
    assert client_a.get("/residents/", {"q": "0000000018"}).status_code == 400


def test_search_types_as_you_go_with_a_debounce(client_a):
    html = client_a.get("/residents/").content.decode()
    form = html.split('<form method="get" role="search"')[1].split(">")[0]
    assert 'hx-get="/residents/"' in form and 'hx-target="#search-results"' in form
    assert "input changed delay:300ms" in form
    assert 'action="/residents/"' in form  # and without JavaScript, an ordinary GET form


def test_search_results_are_paged(household, in_a, clerk_a, approve, client_a, monkeypatch):
    from tenants.residents import views

    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 2)
    first = client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert "3件" in first and 'id="result-range"' in first and "1〜2件目" in first
    assert 'aria-label="検索結果のページ"' in first and 'hx-target="#search-results"' in first
    assert "?q=%E3%82%84%E3%81%BE%E3%81%A0&amp;page=2" in first
    second = client_a.get("/residents/", {"q": "やまだ", "page": "2"}, **HTMX).content.decode()
    assert "3〜3件目" in second and second.count("<tr>") == 2  # header row and one person
    assert client_a.get("/residents/", {"q": "やまだ", "page": "99999"}).status_code == 200  # the last page
    assert client_a.get("/residents/", {"q": "やまだ", "page": "２"}).status_code == 400
    assert client_a.get("/residents/", {"q": "やまだ", "page": "9" * 40}).status_code == 400


def test_date_fields_are_checked_as_they_are_typed(client_a):
    html = client_a.get("/residents/changes/new/move-in/").content.decode()
    effective = re.search(r'<input[^>]*id="id_effective_on"[^>]*>', html).group(0)
    assert 'hx-get="/residents/check/date/"' in effective and 'aria-describedby="id_effective_on-help id_effective_on-check"' in effective
    assert '<p class="kd-field__check" id="id_effective_on-check" aria-live="polite"></p>' in html
    birth = re.search(r'<input[^>]*id="id_p0_birth_date"[^>]*>', html).group(0)
    assert "birth" in birth
    ok = client_a.get("/residents/check/date/", {"kind": "date", "effective_on": "R6.4.1"}, **HTMX)
    assert ok.status_code == 200 and "令和6年4月1日（2024年4月1日）と読みました。" in ok.content.decode()
    wide = client_a.get("/residents/check/date/", {"effective_on": "令和６年４月１日"}).content.decode()
    assert "令和6年4月1日" in wide  # 全角 digits as staff type them
    bad = client_a.get("/residents/check/date/", {"effective_on": "平成31年5月1日"}).content.decode()
    assert "存在しない和暦の日付です" in bad and "kd-field__check-error" in bad
    vague = client_a.get("/residents/check/date/", {"kind": "birth", "p0_birth_date": "昭和10年月日不詳"})
    assert "昭和10年月日不詳" in vague.content.decode()
    assert client_a.get("/residents/check/date/", {"effective_on": "1" * 41}).status_code == 400
    assert client_a.get("/residents/check/date/", {"effective_on": "a\x00"}).status_code == 400
    assert client_a.get("/residents/check/date/").content == b""


def test_a_field_with_an_error_is_marked_invalid_and_described(client_a):
    html = client_a.post("/residents/changes/new/move-in/", {"effective_on": "平成31年5月1日"}).content.decode()
    effective = re.search(r'<input[^>]*id="id_effective_on"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in effective and "id_effective_on-error" in effective
    assert '<ul class="errorlist kd-field__error" id="id_effective_on-error">' in html
    assert 'id="error-summary"' in html and 'role="alert"' in html


def test_reject_is_a_confirmation_that_works_without_javascript(in_a, clerk_a, approver_client, town_a):
    from tenants.residents import services

    from .conftest import move_in_data

    change = services.change_submit(actor=clerk_a, town=town_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data([person_data()]))
    html = approver_client.get(f"/residents/changes/{change.pk}/").content.decode()
    details = html.split('<details class="kd-confirm" id="reject-confirm"')[1].split("</details>")[0]
    assert "<summary>差し戻す…</summary>" in details and 'id="reject"' in details and 'name="reason"' in details


def test_static_files_use_hashed_names_once_collected(tmp_path):
    from kyodo.core.staticstorage import storage_backend

    assert storage_backend(str(tmp_path), debug=True).endswith("StaticFilesStorage")
    assert storage_backend(str(tmp_path), debug=False).endswith("KyodoStaticStorage")
    (tmp_path / "staticfiles.json").write_text("{}")
    assert storage_backend(str(tmp_path), debug=True).endswith("KyodoStaticStorage")


def test_pages_load_the_vendored_design_tokens_and_htmx_from_this_host(client_a):
    html = client_a.get("/residents/").content.decode()
    assert '<link rel="stylesheet" href="/static/kyodo/vendor/design-tokens.css">' in html
    assert '<script src="/static/kyodo/vendor/htmx.min.js" defer></script>' in html
    assert "https://" not in html.split("</head>")[0]


def test_collectstatic_writes_hashed_compressed_files(tmp_path, settings):
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "kyodo.core.staticstorage.KyodoStaticStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("kyodo/portal.css")
    assert re.fullmatch(r"/static/kyodo/portal\.[0-9a-f]{12}\.css", url), url
    assert (tmp_path / url.removeprefix("/static/")).with_suffix(".css.gz").exists()
    assert re.fullmatch(r"/static/kyodo/vendor/htmx\.min\.[0-9a-f]{12}\.js", static("kyodo/vendor/htmx.min.js"))
    assert static("kyodo/added-since.css") == "/static/kyodo/added-since.css"  # not in the manifest: no 500


def test_whitenoise_serves_the_static_files_on_every_host(db):
    from django.test import Client

    for host in (HOST, "localhost"):
        response = Client(HTTP_HOST=host).get("/static/kyodo/portal.css")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
        assert b"--kd-space-4" in b"".join(response.streaming_content)


def _queue_ids(html: str) -> list[str]:
    table = html.split('<table id="queue">')[1].split("</table>")[0] if '<table id="queue">' in html else ""
    return re.findall(r"<tr><td>(\d+)</td>", table)


def test_the_approval_queue_filters_and_pages_with_and_without_htmx(household, clerk_a, client_a, in_a):
    from tenants.residents import services

    person = household["taro"]
    relocation = services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="令和6年5月2日",
                                        effective_on="令和6年5月1日", data={
                                            "household_id": person.household_id, "address": "武雄市北方町1番地"})
    move_out = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="令和6年5月2日",
                                      effective_on="令和6年5月10日", data={
                                          "person_ids": [household["ichiro"].person_id], "destination": "福岡市"})
    full = client_a.get("/residents/changes/", {"kind": "relocation"})
    part = client_a.get("/residents/changes/", {"kind": "relocation"}, **HTMX)
    assert full.status_code == part.status_code == 200
    assert _queue_ids(full.content.decode()) == _queue_ids(part.content.decode()) == [str(relocation.pk)]
    assert "<html" in full.content.decode() and "<html" not in part.content.decode()
    assert _queue_ids(client_a.get("/residents/changes/", **HTMX).content.decode()) == [str(relocation.pk),
                                                                                       str(move_out.pk)]
    form = full.content.decode().split('id="queue-filters"')[1].split(">")[0]
    assert 'hx-target="#queue-results"' in form and 'hx-push-url="true"' in form
    assert "queue-empty" in client_a.get("/residents/changes/", {"kind": "death"}, **HTMX).content.decode()
    assert client_a.get("/residents/changes/", {"page": "２"}).status_code == 400


def test_the_audit_log_filters_by_atena_and_action_with_and_without_htmx(household, chief_a, client_a):
    taro, hanako = household["taro"], household["hanako"]
    client_a.get(f"/residents/persons/{taro.person_id}/")
    client_a.get(f"/residents/persons/{hanako.person_id}/")
    chief = logged_in_client(chief_a, HOST)
    query = {"atena": taro.person.atena_number, "action": "person.read"}
    full = chief.get("/residents/audit/", query).content.decode()
    part = chief.get("/residents/audit/", query, **HTMX).content.decode()

    def rows(html):
        return re.findall(r"<tr><td>(\d+)</td>.*?</tr>", html.split('<table id="audit">')[1], re.S)

    assert rows(full) == rows(part) and len(rows(full)) == 1
    assert "<html" in full and "<html" not in part and "住民照会" in part
    assert taro.person.atena_number in part.split('<table id="audit">')[1]
    assert f"<td>{taro.person_id}</td>" not in part  # never the internal id
    assert rows(chief.get("/residents/audit/", {"atena": "999999999"}, **HTMX).content.decode()) == []
    form = full.split('id="audit-filters"')[1].split(">")[0]
    assert 'hx-target="#audit-results"' in form and 'hx-push-url="true"' in form
