"""Certificates (証明書): 住民票の写し, 住民票記載事項証明書, 転出証明書 as PDF, with 交付履歴."""

# 請求者と対象者の関係 (the request form's choices); kept here so forms need not import the service.
REQUESTER_RELATIONS = ("本人", "同一世帯員", "代理人", "第三者", "公用")

# 不交付 reasons a clerk records (code → label); a refusal because of a 支援措置 is recorded by the
# service itself and is not among them.
REFUSAL_REASONS = {
    "identity": "本人確認ができない",
    "improper_purpose": "請求事由が不当",
    "proxy": "委任状・代理権の不備",
    "other": "その他",
}
