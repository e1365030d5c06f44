"""The caller (呼出し主体), resolved once per request, token or task.

Services and selectors take a principal and never look at ``request`` or re-query roles:

- :class:`StaffPrincipal` — a member of a town's staff: user, town, the roles held there (loaded once
  by the access middleware).
- :class:`VendorPrincipal` — a vendor's service account: the towns and datasets its token and its
  contract both allow.
- :class:`SystemPrincipal` — the platform itself (event consumers, the CLI, the demo), always named
  with what it is doing, and with the principal that caused the work when there is one.

Every principal can describe itself for an audit record or an event envelope (:meth:`audit_actor`).
A task carries the principal that enqueued it as :meth:`to_task` / :func:`from_task`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STAFF = "staff"
VENDOR = "vendor"
SYSTEM = "system"


@dataclass(frozen=True)
class AuditActor:
    """How a principal appears in audit records and event envelopes."""

    kind: str
    id: str
    name: str
    user_id: int | None = None


@dataclass(frozen=True)
class StaffPrincipal:
    """職員: a staff member acting in one town with the roles they hold there."""

    user_id: int
    username: str
    municipality_code: str
    roles: frozenset[str]
    kind: str = field(default=STAFF, init=False)

    # Code that predates principals reads ``actor.pk`` / ``actor.username``; a principal answers both.
    @property
    def pk(self) -> int:
        return self.user_id

    @property
    def is_authenticated(self) -> bool:
        return True

    def roles_in(self, town) -> frozenset[str]:
        """The roles held in ``town``: none anywhere but the principal's own town."""
        return self.roles if town is not None and town.code == self.municipality_code else frozenset()

    def audit_actor(self) -> AuditActor:
        return AuditActor(STAFF, str(self.user_id), self.username, self.user_id)

    def to_task(self) -> dict[str, Any]:
        return {"kind": STAFF, "user_id": self.user_id, "username": self.username,
                "municipality_code": self.municipality_code, "roles": sorted(self.roles)}


@dataclass(frozen=True)
class VendorPrincipal:
    """ベンダー: a vendor's service account, limited to the towns and datasets it may reach."""

    client_id: str
    vendor_name: str
    municipality_codes: frozenset[str]
    datasets: frozenset[str]          # "residents" reads; "residents:write" also writes
    persisted_only: bool = False      # only queries registered in advance (kyodo.api)
    kind: str = field(default=VENDOR, init=False)

    @property
    def pk(self) -> None:
        return None

    @property
    def username(self) -> str:
        return f"vendor:{self.client_id}"

    @property
    def is_authenticated(self) -> bool:
        return True

    def may_read(self, *, municipality_code: str, dataset: str) -> bool:
        return municipality_code in self.municipality_codes and dataset in self.datasets

    def may_write(self, *, municipality_code: str, dataset: str) -> bool:
        return municipality_code in self.municipality_codes and f"{dataset}:write" in self.datasets

    def roles_in(self, town) -> frozenset[str]:
        return frozenset()

    def audit_actor(self) -> AuditActor:
        return AuditActor(VENDOR, self.client_id, self.vendor_name)

    def to_task(self) -> dict[str, Any]:
        return {"kind": VENDOR, "client_id": self.client_id, "vendor_name": self.vendor_name,
                "municipality_codes": sorted(self.municipality_codes), "datasets": sorted(self.datasets),
                "persisted_only": self.persisted_only}


@dataclass(frozen=True)
class SystemPrincipal:
    """システム: work the platform does itself; ``name`` says what (``relay:nhi.enrol``, ``cli``),
    ``on_behalf_of`` who caused it (the actor of the event being handled, for example)."""

    name: str
    on_behalf_of: AuditActor | None = None
    kind: str = field(default=SYSTEM, init=False)

    @property
    def pk(self) -> None:
        return None

    @property
    def username(self) -> str:
        return f"system:{self.name}"

    @property
    def is_authenticated(self) -> bool:
        return True

    def roles_in(self, town) -> frozenset[str]:
        return frozenset()

    def audit_actor(self) -> AuditActor:
        return AuditActor(SYSTEM, self.name, self.username)

    def to_task(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": SYSTEM, "name": self.name}
        if self.on_behalf_of is not None:
            data["on_behalf_of"] = self.on_behalf_of.__dict__
        return data


Principal = StaffPrincipal | VendorPrincipal | SystemPrincipal


def from_task(data: dict[str, Any]) -> Principal:
    """The principal a task was enqueued by (tasks never run with an implicit one)."""
    if not isinstance(data, dict) or "kind" not in data:
        raise ValueError("a task must carry the principal that enqueued it")
    kind = data["kind"]
    if kind == STAFF:
        return StaffPrincipal(user_id=int(data["user_id"]), username=str(data["username"]),
                              municipality_code=str(data["municipality_code"]), roles=frozenset(data["roles"]))
    if kind == VENDOR:
        return VendorPrincipal(client_id=str(data["client_id"]), vendor_name=str(data["vendor_name"]),
                               municipality_codes=frozenset(data["municipality_codes"]),
                               datasets=frozenset(data["datasets"]),
                               persisted_only=bool(data.get("persisted_only", False)))
    if kind == SYSTEM:
        behalf = data.get("on_behalf_of")
        return SystemPrincipal(name=str(data["name"]), on_behalf_of=AuditActor(**behalf) if behalf else None)
    raise ValueError(f"unknown principal kind {kind!r}")


def staff_principal(user, town, roles) -> StaffPrincipal:
    """The staff principal of ``user`` in ``town`` with the ``roles`` already loaded for it."""
    return StaffPrincipal(user_id=user.pk, username=user.get_username(), municipality_code=town.code,
                          roles=frozenset(str(r) for r in roles))


def audit_actor_of(actor) -> AuditActor | None:
    """Describe any caller for an audit record: a principal, or a bare Django user (platform code
    that predates principals, e.g. the console), or nobody (None)."""
    if actor is None:
        return None
    describe = getattr(actor, "audit_actor", None)
    if callable(describe):
        return describe()
    return AuditActor(STAFF, str(actor.pk), actor.get_username(), actor.pk)


def describe(principal: Principal) -> str:
    """One line for logs: kind and name (never roles or contract details)."""
    who = principal.audit_actor()
    return f"{who.kind}:{who.name}"


def task_principal(actor, doing: str) -> dict[str, Any]:
    """What a task carries about who enqueued it: the caller's principal, or, for platform code
    acting for a bare user (the console) or for nobody (beat, the CLI), the system doing ``doing``
    on that user's behalf. Tasks check it with :func:`from_task` before they do anything."""
    if actor is not None and callable(getattr(actor, "to_task", None)):
        return actor.to_task()
    return SystemPrincipal(doing, on_behalf_of=audit_actor_of(actor)).to_task()
