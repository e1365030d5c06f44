"""The demo consortium: Saga Prefecture's six towns (seed 003), their staff and a prefecture admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from kyodo import registry
from kyodo.config import state_secret
from kyodo.identity.models import ServiceAccount, StaffMembership, StaffRole
from kyodo.tenancy import services
from kyodo.tenancy.models import Municipality


@dataclass(frozen=True)
class DemoTown:
    code: str
    name: str
    kana: str
    slug: str
    applications: tuple[str, ...]


SAGA_TOWNS = (
    DemoTown("412066", "武雄市", "タケオシ", "takeo", ("residents", "tax", "nhi", "cases", "assignments")),
    DemoTown("412074", "鹿島市", "カシマシ", "kashima", ("residents", "tax", "nhi", "assignments")),
    DemoTown("412091", "嬉野市", "ウレシノシ", "ureshino", ("residents", "tax", "nhi", "assignments")),
    DemoTown("414239", "大町町", "オオマチチョウ", "omachi", ("residents", "tax", "assignments")),
    DemoTown("414247", "江北町", "コウホクマチ", "kouhoku", ("residents", "tax", "nhi", "assignments")),
    DemoTown("414255", "白石町", "シロイシチョウ", "shiroishi", ("residents", "tax", "nhi", "assignments")),
)


@dataclass(frozen=True)
class DemoVendor:
    """A vendor with a contract (``ServiceAccount``) and a client-credentials client in the demo realm."""
    client_id: str
    name: str
    towns: tuple[str, ...]
    datasets: tuple[str, ...]

    @property
    def scopes(self) -> list[str]:
        """The client's ``defaultClientScopes`` in the realm: one per town and one per dataset."""
        return [f"town-{code}" for code in self.towns] + [f"dataset-{d}" for d in self.datasets]


DEMO_VENDORS = (
    DemoVendor("vendor-takeo-tainou", "武雄市の滞納管理", ("412066",), ("residents", "tax", "tax:write")),
    DemoVendor("vendor-kashima-kenshin", "鹿島市の健診案内", ("412074",), ("residents",)),
)



BASE_STAFF_ROLES = ("counter_clerk", "approver", "section_chief", "auditor")


def application_staff_roles(applications) -> list[tuple[str, str]]:
    """(role, username suffix) of the demo staff an application's own roles need (e.g. a 税務課), beyond the
    clerk, approver and chief every town has: the roles the declared applications among ``applications``
    list in their ``roles``, in declaration order; ``tax_clerk`` → ``tax-clerk``."""
    wanted = set(applications)
    found: list[tuple[str, str]] = []
    for app in registry.applications():
        if app.code in wanted:
            found += [(r, r.replace("_", "-")) for r in app.roles
                      if r not in BASE_STAFF_ROLES and (r, r.replace("_", "-")) not in found]
    return found

def vendor_secret(state_dir, vendor: DemoVendor) -> str:
    """The vendor's client secret in the demo realm, generated once per state dir (never committed)."""
    return state_secret(state_dir, f"vendor_{vendor.client_id}", nbytes=32)


def demo_vendors_setup() -> list[ServiceAccount]:
    """Idempotent: the demo vendors' contracts, as in the realm (towns and datasets)."""
    return [ServiceAccount.objects.update_or_create(client_id=v.client_id, defaults={
        "vendor_name": v.name, "municipality_codes": list(v.towns), "datasets": list(v.datasets),
        "active": True})[0] for v in DEMO_VENDORS]


def demo_password(state_dir) -> str:
    """One random password for all demo accounts, kept in the state dir (never in the repository)."""
    return state_secret(state_dir, "demo_password", nbytes=12)


# Demo staff names (氏, 名): shown 氏 名 in headers and records (``kyodo.core.display.staff_name``).
# Django's ``last_name`` holds the 氏 and ``first_name`` the 名, as the OIDC claims map them.
_FAMILY = ("山口", "中島", "古賀", "松尾", "井上", "田中", "池田", "坂本", "江口", "原田", "宮崎", "副島",
           "野中", "小野", "吉田", "森", "川原", "馬場")
_GIVEN = ("さくら", "健一", "誠", "由美", "大輔", "恵子", "翔太", "真理子", "和也", "裕子", "浩二", "美咲",
          "拓也", "直美", "哲也", "彩", "隆", "智子")


def staff_name_for(index: int) -> tuple[str, str]:
    """The demo's (氏, 名) for its ``index``-th member of staff (stable across runs)."""
    return _FAMILY[index % len(_FAMILY)], _GIVEN[(index * 7) % len(_GIVEN)]


def _user(username: str, name: tuple[str, str], password: str):
    User = get_user_model()
    family, given = name
    user, created = User.objects.get_or_create(username=username,
                                               defaults={"last_name": family, "first_name": given})
    if created or not user.check_password(password) or (user.last_name, user.first_name) != name:
        user.last_name, user.first_name = family, given
        user.set_password(password)
        user.save()
    return user


def demo_setup(*, password: str, host_suffix: str = ".localhost", scale: float = 0.01) -> list[Municipality]:
    """Idempotent: onboard the six towns (if absent), create their staff accounts and run every
    enabled application's demo loader (declared in its app.py). Each town gets ``demo_notes``:
    lines the demo prints about it."""
    admin = _user("pref-admin", ("佐賀", "県子"), password)
    StaffMembership.objects.get_or_create(user=admin, municipality=None, role=StaffRole.PREFECTURE_ADMIN)
    available = {app.code for app in registry.selectable()}
    stale = [f"{t.code} {t.name}（正: {s.name}）" for s in SAGA_TOWNS
             for t in Municipality.objects.filter(code=s.code).exclude(name=s.name)]
    if stale:
        raise RuntimeError(
            "the demo database holds towns under codes that belong to other towns (from before the codes "
            f"were corrected): {', '.join(stale)}. Stop the demo and remove var/pgdata to start afresh.")
    towns = []
    for town_index, spec in enumerate(SAGA_TOWNS):
        town = Municipality.objects.filter(code=spec.code).first()
        if town is None:
            # A town contracts for applications that may not be built yet; only declared ones are enabled.
            town = services.municipality_provision(
                actor=admin, code=spec.code, name=spec.name, name_kana=spec.kana, prefecture="佐賀県",
                hosts=[f"{spec.slug}{host_suffix}"],
                applications=[a for a in spec.applications if a in available],
            )
        staff = {}
        with transaction.atomic():
            for role_index, (role, suffix) in enumerate(((StaffRole.COUNTER_CLERK, "clerk"),
                                                         (StaffRole.APPROVER, "approver"),
                                                         (StaffRole.SECTION_CHIEF, "chief"))):
                user = _user(f"{spec.slug}-{suffix}", staff_name_for(town_index * 3 + role_index), password)
                StaffMembership.objects.get_or_create(user=user, municipality=town, role=role)
                staff[str(role)] = user
            for role_index, (app_role, suffix) in enumerate(application_staff_roles(spec.applications)):
                user = _user(f"{spec.slug}-{suffix}", staff_name_for(60 + town_index * 4 + role_index), password)
                StaffMembership.objects.get_or_create(user=user, municipality=town, role=app_role)
                staff[app_role] = user
        notes: list[str] = []
        for app in registry.enabled_for(town):
            if app.demo:
                notes.extend(registry.load_callable(app.demo)(town=town, staff=staff, scale=scale, seed=2026))
        town.demo_notes = notes
        towns.append(town)
    demo_vendors_setup()
    return towns
