"""Synthetic residents for the demo and the benchmark: realistic Japanese names, ages and household
shapes (~2.3 persons per household), loaded as one 初期移行 change per town with bulk inserts."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from . import audit, foreign, numbers
from .models import (
    AliasEntry,
    Change,
    ChangeKind,
    ChangeStatus,
    Counter,
    Household,
    MeasureStatus,
    Person,
    PersonVersion,
    ResidentStatus,
    SupportMeasure,
)
from .search import search_keys

POPULATIONS = {"412066": 48_000, "412074": 28_000, "412091": 25_000, "414255": 22_000, "414247": 9_500,
               "414239": 6_500}

SURNAMES = [
    ("山口", "ヤマグチ"), ("田中", "タナカ"), ("中島", "ナカシマ"), ("松尾", "マツオ"), ("古賀", "コガ"),
    ("井上", "イノウエ"), ("池田", "イケダ"), ("江口", "エグチ"), ("大串", "オオグシ"), ("陣内", "ジンノウチ"),
    ("坂本", "サカモト"), ("吉田", "ヨシダ"), ("森", "モリ"), ("山下", "ヤマシタ"), ("松本", "マツモト"),
    ("中村", "ナカムラ"), ("小池", "コイケ"), ("北村", "キタムラ"), ("宮﨑", "ミヤザキ"), ("野口", "ノグチ"),
    ("鶴田", "ツルタ"), ("緒方", "オガタ"), ("峰", "ミネ"), ("川原", "カワハラ"), ("前田", "マエダ"),
    ("髙橋", "タカハシ"), ("渡邉", "ワタナベ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("石橋", "イシバシ"),
    ("副島", "ソエジマ"), ("草場", "クサバ"), ("牟田", "ムタ"), ("馬場", "ババ"), ("原口", "ハラグチ"),
    ("筒井", "ツツイ"), ("樋口", "ヒグチ"), ("久保", "クボ"), ("西村", "ニシムラ"), ("山﨑", "ヤマサキ"),
    ("齋藤", "サイトウ"), ("永田", "ナガタ"), ("平川", "ヒラカワ"), ("力武", "リキタケ"), ("光武", "ミツタケ"),
]
MALE = [("太郎", "タロウ"), ("健一", "ケンイチ"), ("誠", "マコト"), ("浩二", "コウジ"), ("大輔", "ダイスケ"),
        ("翔太", "ショウタ"), ("蓮", "レン"), ("悠真", "ユウマ"), ("陽翔", "ハルト"), ("清", "キヨシ"),
        ("茂", "シゲル"), ("勇", "イサム"), ("隆", "タカシ"), ("拓也", "タクヤ"), ("湊", "ミナト"),
        ("一郎", "イチロウ"), ("正雄", "マサオ"), ("和夫", "カズオ"), ("直樹", "ナオキ"), ("悠人", "ユウト")]
FEMALE = [("花子", "ハナコ"), ("洋子", "ヨウコ"), ("恵子", "ケイコ"), ("美穂", "ミホ"), ("由美", "ユミ"),
          ("陽菜", "ヒナ"), ("結衣", "ユイ"), ("さくら", "サクラ"), ("美咲", "ミサキ"), ("和子", "カズコ"),
          ("幸子", "サチコ"), ("節子", "セツコ"), ("真由美", "マユミ"), ("彩", "アヤ"), ("凜", "リン"),
          ("芽依", "メイ"), ("久美子", "クミコ"), ("千尋", "チヒロ"), ("愛", "アイ"), ("葵", "アオイ")]
DISTRICTS = {
    "412066": ["武雄町大字武雄", "武雄町大字昭和", "朝日町大字甘久", "橘町大字永島", "北方町大字志久", "山内町大字三間坂",
               "若木町大字川古", "東川登町大字永野", "西川登町大字高瀬"],
    "412074": ["大字納富分", "大字高津原", "大字中村", "大字古枝", "大字浜町", "大字七浦", "大字能古見"],
    "412091": ["嬉野町大字下宿", "嬉野町大字岩屋川内", "塩田町大字馬場下", "塩田町大字谷所", "嬉野町大字不動山"],
    "414239": ["大字大町", "大字福母"],
    "414247": ["大字山口", "大字上小田", "大字惣領分", "大字下小田", "大字佐留志"],
    "414255": ["大字福田", "大字廿治", "大字福富", "大字戸ヶ里", "大字東郷", "大字坂田"],
}
# (shape, weight): tuned so the mean is about 2.3 persons per household.
SHAPES = [("single", 33), ("couple", 22), ("couple_children", 24), ("single_parent", 8), ("three_generations", 9),
          ("couple_parent", 4)]


# 外国人住民 (標準仕様 1.1.2) for the demo: invented names (no real person is meant), one entry per
# household: (alphabet family name, kana, [(given, kana, sex, 続柄, age range, 在留 items)], 通称 and
# its カナ or None).
_MID = foreign.Article30_45.MID_LONG_TERM
FOREIGN_HOUSEHOLDS = [
    ("QUANVELLE", "クアンヴェル", [("TIEN", "ティエン", "1", "世帯主", (20, 30), (_MID, "VN", "技能実習", "1年"))], None),
    ("VERDANTE", "ヴェルダンテ", [
        ("MARCOS", "マルコス", "1", "世帯主", (32, 45), (_MID, "BR", "定住者", "3年")),
        ("LUIZA", "ルイーザ", "2", "妻", (30, 43), (_MID, "BR", "定住者", "3年")),
        ("CAIO", "カイオ", "1", "子", (2, 9), (_MID, "BR", "定住者", "3年"))], None),
    ("BRIGHTWATER", "ブライトウォーター", [
        ("ROSALIND", "ロザリンド", "2", "世帯主", (40, 60), (_MID, "PH", "永住者", ""))], None),
    ("QUILLFEATHER", "クイルフェザー", [
        ("TOMAS", "トマス", "1", "世帯主", (30, 50), (_MID, "US", "技術・人文知識・国際業務", "5年")),
        ("ANNIKA", "アニカ", "2", "妻", (28, 48), (_MID, "US", "家族滞在", "5年"))], None),
    ("GENSUI", "ゲンスイ", [
        ("MIRAN", "ミラン", "2", "世帯主", (55, 85), (foreign.Article30_45.SPECIAL_PERMANENT, "KR", "", ""))],
     ("翠川\u3000美蘭", "ミドリカワ\u3000ミラン")),
]


def _card_number(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return (rng.choice(letters) + rng.choice(letters) + f"{rng.randint(0, 99_999_999):08d}"
            + rng.choice(letters) + rng.choice(letters))


def _foreign_households(rng: random.Random, today: dt.date, budget: int) -> list[list[dict]]:
    """A few synthetic 外国人住民 households (at most ``budget`` persons in all)."""
    households = []
    used = 0
    for family, family_kana, members, alias in FOREIGN_HOUSEHOLDS:
        if used + len(members) > budget:
            break
        used += len(members)
        rows = []
        for given, given_kana, sex, rel, (lo, hi), (article, nationality, status, period) in members:
            items: dict[str, object] = {
                "resident_kind": foreign.ResidentKind.FOREIGN, "alphabet_name": f"{family} {given}",
                "nationality": nationality, "article_30_45": article, "residence_status": status,
                "period_of_stay": period, "card_number": _card_number(rng)}
            if period:
                items["stay_expires_on"] = today + dt.timedelta(days=rng.randint(60, 900))
            if alias:
                items["alias_name"], items["alias_name_kana"] = alias
            rows.append({"family": (family, family_kana), "given": (given, given_kana), "sex": sex,
                         "relationship": rel, "birth": _birth(rng, today, lo, hi), "foreign": items})
        households.append(rows)
    return households


def _birth(rng: random.Random, today: dt.date, lo: int, hi: int) -> dt.date:
    age_days = rng.randint(lo * 365, hi * 365 + 364)
    return today - dt.timedelta(days=age_days)


def _household_people(rng: random.Random, today: dt.date) -> list[dict]:
    shape = rng.choices([s for s, _ in SHAPES], [w for _, w in SHAPES])[0]
    surname = rng.choice(SURNAMES)

    def person(sex, rel, lo, hi, family=surname):
        given = rng.choice(MALE if sex == "1" else FEMALE)
        return {"family": family, "given": given, "sex": sex, "relationship": rel, "birth": _birth(rng, today, lo, hi)}

    head_sex = "1" if shape != "single_parent" or rng.random() < 0.15 else "2"
    if shape == "single":
        head_sex = rng.choice("12")
        return [person(head_sex, "世帯主", 19, 95)]
    if shape == "couple":
        return [person("1", "世帯主", 25, 90), person("2", "妻", 23, 88)]
    if shape == "couple_children":
        people = [person("1", "世帯主", 30, 55), person("2", "妻", 28, 53)]
        return people + [person(rng.choice("12"), "子", 0, 22) for _ in range(rng.choice((1, 2, 2, 3)))]
    if shape == "single_parent":
        people = [person(head_sex, "世帯主", 25, 55)]
        return people + [person(rng.choice("12"), "子", 0, 20) for _ in range(rng.choice((1, 1, 2)))]
    if shape == "three_generations":
        people = [person("1", "世帯主", 35, 60), person("2", "妻", 33, 58), person(rng.choice("12"), "子", 0, 18),
                  person("2", "母", 65, 95)]
        if rng.random() < 0.5:
            people.append(person("1", "父", 67, 95))
        return people
    return [person("1", "世帯主", 40, 70), person("2", "妻", 38, 68), person("2", "母", 70, 98)]


def residents_demo_load(*, town, staff: dict, scale: float, seed: int) -> list[str]:
    """The demo's loader (declared in app.py): synthetic residents, and one resident under 支援措置
    registered by the town's section chief. Returns the lines the demo prints for this town."""
    residents_demo_populate(town=town, scale=scale, seed=seed)
    chief = staff.get("section_chief")
    protected = residents_demo_protect(town=town, actor=chief) if chief is not None else None
    return [f"支援措置の対象（照会は警告と目的の入力の後。住所は出力・証明書に出ません）: {protected}"] if protected else []


def residents_demo_populate(*, town, scale: float, seed: int) -> int:
    """Fill ``town`` with synthetic residents (population × scale) unless it already has persons.

    Returns the number of persons created. Switches to the town's schema itself."""
    with tenant_context(town):
        return _populate(town=town, scale=scale, seed=seed)


def _populate(*, town, scale: float, seed: int) -> int:
    if Person.objects.exists():
        return 0
    target = max(1, int(POPULATIONS.get(town.code, 10_000) * scale))
    rng = random.Random(f"{town.code}:{seed}")
    today = timezone.localdate()
    districts = DISTRICTS.get(town.code, ["大字本町"])
    created = 0
    with transaction.atomic():
        change = Change.objects.create(
            kind=ChangeKind.INITIAL_LOAD, status=ChangeStatus.APPROVED, notified_on=today, effective_on=today,
            reason_code="A03", summary=f"初期移行（デモ合成データ {target}人）", entered_by_id=0,
            entered_by_username="demo", decided_by_id=0, decided_by_username="demo", decided_at=timezone.now(),
        )
        households, people = [], []
        foreign_households = _foreign_households(random.Random(f"{town.code}:{seed}:foreign"), today,
                                                 budget=target // 20)
        created = sum(len(h) for h in foreign_households)
        while created < target:
            members = _household_people(rng, today)[: target - created]
            members[0]["relationship"] = "世帯主"
            households.append(members)
            created += len(members)
        households += foreign_households
        hh_rows = Household.objects.bulk_create(
            [Household(number=numbers.with_check_digit(i + 1)) for i in range(len(households))], batch_size=5000)
        serial = 0
        for hh, members in zip(hh_rows, households, strict=True):
            district = rng.choice(districts)
            address = f"佐賀県{town.name}{district}{rng.randint(1, 3999)}番地"
            if rng.random() < 0.3:
                address += str(rng.randint(1, 20))
            moved_in = today - dt.timedelta(days=rng.randint(0, 365 * 40))
            for m in members:
                serial += 1
                people.append((serial, hh, address, district, moved_in, m))
        codes: set[str] = set()
        while len(codes) < len(people):  # 11 random digits collide once in ~20 towns of 100,000
            codes.add(numbers.stand_in_resident_code())
        persons = Person.objects.bulk_create(
            [Person(atena_number=numbers.with_check_digit(s), resident_code=code)
             for (s, *_), code in zip(people, codes, strict=True)], batch_size=5000)
        versions = []
        for person, (_, hh, address, district, moved_in, m) in zip(persons, people, strict=True):
            family, fkana = m["family"]
            given, gkana = m["given"]
            became = max(moved_in, m["birth"])
            items = dict(m.get("foreign") or {})
            japanese = not items
            versions.append(PersonVersion(
                person=person, history_no=1, change=change, valid_from=became, is_current=True,
                status=ResidentStatus.RESIDENT, household=hh, relationship=m["relationship"], family_name=family,
                given_name=given, family_name_kana=fkana, given_name_kana=gkana, birth_date=m["birth"],
                sex=m["sex"], became_resident_on=became, address_set_on=became, notified_on=became,
                address=address, katagaki="", district=district.replace("大字", "").split("町")[-1] or district,
                postal_code="", honseki=f"佐賀県{town.name}{district}{rng.randint(1, 999)}番地" if japanese else "",
                hittousha=f"{family}{given}" if japanese else "",
                **search_keys(family_name=family, given_name=given, family_name_kana=fkana, given_name_kana=gkana),
                **items, **foreign.search_keys(alphabet_name=items.get("alphabet_name", ""),
                                               alias_name=items.get("alias_name", ""),
                                               alias_name_kana=items.get("alias_name_kana", "")),
            ))
        PersonVersion.objects.bulk_create(versions, batch_size=5000)
        AliasEntry.objects.bulk_create([
            AliasEntry(person_id=v.person_id, change=change, action=foreign.AliasAction.RECORD,
                       alias_name=v.alias_name, alias_name_kana=v.alias_name_kana, done_on=v.became_resident_on,
                       municipality=town.name) for v in versions if v.alias_name])
        for name, value in (("household", len(households)), ("atena", serial)):
            Counter.objects.update_or_create(name=name, defaults={"value": value})
        audit.record(town=town, actor=None, action="demo.populate", purpose="デモ用合成データ",
                     persons_created=serial, households=len(households), seed=seed, scale=scale)
    return serial


def residents_demo_protect(*, town, actor) -> str | None:
    """Put one demo resident of ``town`` under 支援措置 (through the real service), so that the demo
    shows the address disappearing from every output. Returns that person's name, or None if the
    town has no residents. Idempotent: an existing measure is reused."""
    from .services import support_measure_create

    with tenant_context(town):
        measure = SupportMeasure.objects.filter(status=MeasureStatus.ACTIVE).select_related("person").first()
        if measure is None:
            version = (PersonVersion.objects.filter(is_current=True, status=ResidentStatus.RESIDENT)
                       .order_by("person__atena_number").first())
            if version is None:
                return None
            today = timezone.localdate()
            support_measure_create(
                actor=actor, town=town, person_id=version.person_id, starts_on=today,
                note="デモ用: DV等支援措置の例", aggressors=[{"name": "加害者 太郎"}],
            )
            measure = SupportMeasure.objects.select_related("person").get(person_id=version.person_id)
        current = PersonVersion.objects.get(person_id=measure.person_id, is_current=True)
        return f"{current.family_name} {current.given_name}（{current.family_name_kana} {current.given_name_kana}）"
