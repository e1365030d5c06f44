"""Certificates (証明書): 住民票の写し, 住民票記載事項証明書, 転出証明書 as PDF, with 交付履歴."""
