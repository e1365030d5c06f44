"""Certificates (証明書): 住民票の写し, 住民票記載事項証明書, 転出証明書 as PDF, with 交付履歴."""

# 請求者と対象者の関係 (the request form's choices); kept here so forms need not import the service.
REQUESTER_RELATIONS = ("本人", "同一世帯員", "代理人", "第三者", "公用")
