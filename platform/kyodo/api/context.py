"""What every resolver of one API request shares (リクエスト文脈): the caller, the town, the
per-request data loaders and the personal-data reads to audit when the request ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kyodo.identity.principal import STAFF, VENDOR, Principal

from .errors import ApiError, forbidden


@dataclass
class ApiContext:
    principal: Principal
    town: Any                       # kyodo.tenancy.models.Municipality, or None on the console's host
    operation_name: str = ""
    debug: bool = False
    loaders: dict[tuple[str, str], Any] = field(default_factory=dict)
    # application -> action -> person ids read in this request (written as one audit entry each)
    reads: dict[str, dict[str, set[int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    idempotency_key: str = ""

    @property
    def town_code(self) -> str:
        return getattr(self.town, "code", "") or ""

    @property
    def purpose(self) -> str:
        """The audit purpose of every read: the operation's name, as the issue of the API states."""
        return f"API: {self.operation_name or '（無名の操作）'}"[:200]

    def loader(self, name: str, factory: Callable[[], Any]) -> Any:
        """The request's loader ``name`` for this town (created on first use): loaders are keyed by
        town, so nothing one town's loader fetched is ever handed out for another."""
        key = (self.town_code, name)
        if key not in self.loaders:
            self.loaders[key] = factory()
        return self.loaders[key]

    def may_read(self, dataset: str, *, staff_check: Callable[[Any, Any], bool] | None = None) -> bool:
        """Whether the caller may read ``dataset`` in this town: a vendor by its token and contract,
        staff by their roles in the town (the application's own check)."""
        if self.town is None:
            return False
        if self.principal.kind == VENDOR:
            return self.principal.may_read(municipality_code=self.town.code, dataset=dataset)  # type: ignore[union-attr]
        if self.principal.kind == STAFF and staff_check is not None:
            return bool(staff_check(self.principal, self.town))
        return False

    def require_read(self, dataset: str, *, staff_check: Callable[[Any, Any], bool] | None = None) -> None:
        if not self.may_read(dataset, staff_check=staff_check):
            raise forbidden()

    def audit_read(self, application: str, person_ids: Iterable[int], action: str = "api.read") -> None:
        self.reads[application][action].update(int(p) for p in person_ids)


def context_of(info) -> ApiContext:
    context = info.context
    if not isinstance(context, ApiContext):
        raise ApiError("INTERNAL", "内部エラーが発生しました。", "Internal error.")
    return context
