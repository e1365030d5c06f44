"""Per-town code tables (コード表): 続柄, 異動事由, 性別, 元号 ... 国籍・地域, 在留資格 ... seeded by data
migrations and editable per town (a town may add local codes; the seeded standard rows are marked ``standard``)."""

from __future__ import annotations

from django.db import models


class CodeType(models.TextChoices):
    RELATIONSHIP = "relationship", "続柄"
    CHANGE_REASON = "change_reason", "異動事由"
    SEX = "sex", "性別"
    ERA = "era", "元号"
    NATIONALITY = "nationality", "国籍・地域"
    RESIDENCE_STATUS = "residence_status", "在留資格"


class ReferenceCode(models.Model):
    """One entry of a code table (コード)."""

    code_type = models.CharField(max_length=30, choices=CodeType.choices)
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=50)
    label_kana = models.CharField(max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    standard = models.BooleanField(default=True)
    valid_from = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code_type", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_type", "code"], name="reference_code_unique_per_type"),
        ]
        indexes = [models.Index(fields=["code_type", "label"], name="reference_code_label_idx")]

    def __str__(self) -> str:
        return f"{self.get_code_type_display()} {self.code}: {self.label}"
