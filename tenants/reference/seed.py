"""Standard code rows loaded into every town by a data migration (and so into the template schema)."""

from __future__ import annotations

import datetime as dt

RELATIONSHIPS = [
    ("01", "世帯主", "セタイヌシ"), ("02", "妻", "ツマ"), ("03", "夫", "オット"), ("04", "子", "コ"),
    ("05", "父", "チチ"), ("06", "母", "ハハ"), ("07", "孫", "マゴ"), ("08", "祖父", "ソフ"),
    ("09", "祖母", "ソボ"), ("10", "兄", "アニ"), ("11", "姉", "アネ"), ("12", "弟", "オトウト"),
    ("13", "妹", "イモウト"), ("14", "子の妻", "コノツマ"), ("15", "子の夫", "コノオット"),
    ("16", "妻の父", "ツマノチチ"), ("17", "妻の母", "ツマノハハ"), ("18", "夫の父", "オットノチチ"),
    ("19", "夫の母", "オットノハハ"), ("20", "縁故者", "エンコシャ"), ("21", "同居人", "ドウキョニン"),
    ("22", "妻（未届）", "ツマミトドケ"), ("23", "夫（未届）", "オットミトドケ"),
]

CHANGE_REASONS = [
    ("A01", "転入", "テンニュウ"), ("A02", "出生", "シュッセイ"), ("A03", "職権記載", "ショッケンキサイ"),
    ("A04", "国籍取得", "コクセキシュトク"), ("B01", "転出", "テンシュツ"), ("B02", "死亡", "シボウ"),
    ("B03", "職権消除", "ショッケンショウジョ"), ("B04", "国籍喪失", "コクセキソウシツ"),
    ("C01", "転居", "テンキョ"), ("C02", "世帯分離", "セタイブンリ"), ("C03", "世帯合併", "セタイガッペイ"),
    ("C04", "世帯主変更", "セタイヌシヘンコウ"), ("C05", "世帯変更", "セタイヘンコウ"),
    ("C06", "職権修正", "ショッケンシュウセイ"), ("C07", "転出取消", "テンシュツトリケシ"),
]

# Provisional codes of the kinds added later (the official 異動事由コード list was not found; see
# docs/residents.md): letters keep the standard's groups 記載 (A) / 消除 (B) / 修正 (C).
CHANGE_REASONS += [
    ("A05", "再転入", "サイテンニュウ"), ("A06", "特例転入", "トクレイテンニュウ"),
    ("A07", "取消（増）", "トリケシゾウ"), ("B05", "取消（減）", "トリケシゲン"),
    ("C08", "誤記修正", "ゴキシュウセイ"), ("C09", "取消（修正）", "トリケシシュウセイ"),
]

SEXES = [("1", "男", "オトコ"), ("2", "女", "オンナ")]

ERAS = [
    ("1", "明治", "メイジ", dt.date(1868, 1, 25)), ("2", "大正", "タイショウ", dt.date(1912, 7, 30)),
    ("3", "昭和", "ショウワ", dt.date(1926, 12, 25)), ("4", "平成", "ヘイセイ", dt.date(1989, 1, 8)),
    ("5", "令和", "レイワ", dt.date(2019, 5, 1)),
]

# 国籍・地域 (外国人住民, 標準仕様 1.1.2): ISO 3166-1 alpha-2 codes with their Japanese names. Not the
# whole list: the countries and regions most often met among Japan's foreign residents and the
# ones the demo uses; a town adds others as local rows (standard=False) when it needs them.
NATIONALITIES = [
    ("CN", "中国", "チュウゴク"), ("VN", "ベトナム", "ベトナム"), ("KR", "韓国", "カンコク"),
    ("PH", "フィリピン", "フィリピン"), ("BR", "ブラジル", "ブラジル"), ("NP", "ネパール", "ネパール"),
    ("ID", "インドネシア", "インドネシア"), ("MM", "ミャンマー", "ミャンマー"), ("TW", "台湾", "タイワン"),
    ("US", "米国", "ベイコク"), ("TH", "タイ", "タイ"), ("LK", "スリランカ", "スリランカ"),
    ("IN", "インド", "インド"), ("PE", "ペルー", "ペルー"), ("KP", "朝鮮", "チョウセン"),
    ("BD", "バングラデシュ", "バングラデシュ"), ("PK", "パキスタン", "パキスタン"), ("KH", "カンボジア", "カンボジア"),
    ("MN", "モンゴル", "モンゴル"), ("UZ", "ウズベキスタン", "ウズベキスタン"), ("MY", "マレーシア", "マレーシア"),
    ("GB", "英国", "エイコク"), ("FR", "フランス", "フランス"), ("DE", "ドイツ", "ドイツ"),
    ("CA", "カナダ", "カナダ"), ("AU", "オーストラリア", "オーストラリア"), ("NZ", "ニュージーランド", "ニュージーランド"),
    ("IT", "イタリア", "イタリア"), ("ES", "スペイン", "スペイン"), ("RU", "ロシア", "ロシア"),
    ("UA", "ウクライナ", "ウクライナ"), ("TR", "トルコ", "トルコ"), ("IR", "イラン", "イラン"),
    ("AF", "アフガニスタン", "アフガニスタン"), ("EG", "エジプト", "エジプト"), ("NG", "ナイジェリア", "ナイジェリア"),
    ("BO", "ボリビア", "ボリビア"), ("AR", "アルゼンチン", "アルゼンチン"), ("MX", "メキシコ", "メキシコ"),
    ("CO", "コロンビア", "コロンビア"), ("LA", "ラオス", "ラオス"), ("SG", "シンガポール", "シンガポール"),
    ("HK", "香港", "ホンコン"), ("BT", "ブータン", "ブータン"), ("FJ", "フィジー", "フィジー"),
]
NATIONALITY_STATELESS = ("XX", "無国籍", "ムコクセキ")  # not an ISO 3166 country (the code ISO leaves to users)

# 在留資格 (出入国管理及び難民認定法 別表第一・第二); 永住者 has no 在留期間.
RESIDENCE_STATUSES = [
    "外交", "公用", "教授", "芸術", "宗教", "報道", "高度専門職", "経営・管理", "法律・会計業務", "医療", "研究",
    "教育", "技術・人文知識・国際業務", "企業内転勤", "介護", "興行", "技能", "特定技能", "技能実習", "育成就労",
    "文化活動", "留学", "研修", "家族滞在", "特定活動", "永住者", "日本人の配偶者等", "永住者の配偶者等", "定住者",
]


def rows():
    for type_, table in (("relationship", RELATIONSHIPS), ("change_reason", CHANGE_REASONS), ("sex", SEXES)):
        for order, (code, label, kana) in enumerate(table, start=1):
            yield {"code_type": type_, "code": code, "label": label, "label_kana": kana, "sort_order": order}
    for order, (code, label, kana, since) in enumerate(ERAS, start=1):
        yield {"code_type": "era", "code": code, "label": label, "label_kana": kana, "sort_order": order,
               "valid_from": since}
    for order, (code, label, kana) in enumerate(NATIONALITIES + [NATIONALITY_STATELESS], start=1):
        yield {"code_type": "nationality", "code": code, "label": label, "label_kana": kana, "sort_order": order}
    for order, label in enumerate(RESIDENCE_STATUSES, start=1):
        yield {"code_type": "residence_status", "code": f"{order:02d}", "label": label, "sort_order": order}
