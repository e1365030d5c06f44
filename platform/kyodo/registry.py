"""Application registry (業務アプリケーション登録): every town application declares itself once.

An application lives in its own folder under ``tenants/`` and holds an ``app.py`` whose module-level
``APPLICATION`` is a :class:`TownApplication`. Platform code (settings, URLs, the CLI, the portal
menu, the console's figures, the demo, the event relay, onboarding's list of applications) finds
applications only here and never names one.

Declarations hold dotted paths, not objects, so that reading them imports no Django model: the
``kyodo`` command assembles its sub-commands before Django is set up, and ``kyodo.settings`` takes
``TENANT_APPS`` from this module. Discovery is a scan of ``tenants/*/app.py`` plus the modules
named in ``KYODO_EXTRA_APPLICATIONS`` (comma separated; for plug-ins installed elsewhere and for
tests, which may also use :func:`temporarily`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TENANTS_DIR = REPO_ROOT / "tenants"


@dataclass(frozen=True)
class ConsumerSpec:
    """An event consumer (イベント受信者) an application registers by name.

    ``handler`` is ``"module:function"``; the function is called as ``handler(event, town)`` inside the
    town's schema and inside the transaction that records the event as handled, so whatever it
    writes to the town's tables happens exactly once. ``event_types`` are exact types or prefixes
    ending in ``.*``; empty means every event.

    ``batch_handler`` (optional, ``"module:function"``) is called as ``batch_handler(events, town)`` with
    the wanted events of a whole relay batch, in order, and must do exactly what calling ``handler`` on
    each would; when it fails, the relay runs ``handler`` event by event to find and record the failing one.
    """

    name: str
    handler: str
    event_types: tuple[str, ...] = ()
    batch_handler: str = ""

    def wants(self, event_type: str) -> bool:
        if not self.event_types:
            return True
        for pattern in self.event_types:
            if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
                return True
            if pattern == event_type:
                return True
        return False


@dataclass(frozen=True)
class PeriodicSpec:
    """A job an application runs for every town that uses it, on a schedule (Celery beat).

    ``task`` is the Celery task's name; it is called as ``task(schema_name=..., principal=...)`` once
    per town. ``schedule`` is either seconds or a dict of ``celery.schedules.crontab`` arguments."""

    name: str
    task: str
    schedule: float | dict = 86400.0


@dataclass(frozen=True)
class NavItem:
    """One entry of an application's menu: what it is called, where it goes, and ``current`` when it is
    the page being shown (``aria-current="page"``)."""

    label: str
    url: str
    current: bool = False
    id: str = ""  # an element id for the link, when pages or tests refer to it


@dataclass(frozen=True)
class InquiryPart:
    """One application's part of 統合照会: a heading, the template that renders it (an application's
    own), its context, and where it goes on the page."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


class InquiryStop(Exception):
    """Raised by an inquiry hook to answer the whole page instead of showing parts: ``template`` rendered
    with ``context`` and ``status`` (the application's own page, so the answer is the one its pages give)."""

    status = 200

    def __init__(self, template: str, context: dict[str, Any] | None = None):
        super().__init__(template)
        self.template = template
        self.context = context or {}


class InquiryNotFound(InquiryStop):
    """Missing, another town's or protected: the same 404 whichever it is."""

    status = 404


class InquiryRefused(InquiryStop):
    """An error-level block (抑止): refused, with the block named."""

    status = 403


class InquiryAlert(InquiryStop):
    """A 照会アラート: the page goes behind the warning until the caller states a purpose. The template
    is the application's gate form; the platform adds ``gate_action`` (where the purpose is posted),
    ``next`` and ``person_ids``."""

    def __init__(self, template: str, context: dict[str, Any] | None = None, person_ids: tuple[int, ...] = ()):
        super().__init__(template, context)
        self.person_ids = tuple(person_ids)


@dataclass(frozen=True)
class TownApplication:
    """One town application's declaration.

    - ``code``: the short English code, also its URL prefix (``/<code>/``) and what towns enable.
    - ``label``: the Japanese name shown to staff and administrators.
    - ``django_app``: the Django app holding its per-town tables (added to ``TENANT_APPS``).
    - ``urls``: URLconf mounted at ``/<code>/`` on town hosts (None: no pages).
    - ``cli``: module with ``register(subparsers)`` adding ``kyodo <code> ...`` commands; handlers
      run after Django is set up, so the module must not import models at import time.
    - ``demo``: ``"module:function"`` called as ``function(town=, staff=, scale=, seed=)`` by the
      demo for each town that enabled the application; returns lines to print (may be empty).
    - ``statistics``: ``"module:function"`` called as ``function(town)`` in the town's schema;
      returns ``{label: number}`` figures shown in the consortium console.
    - ``roles``: the staff roles (``kyodo.identity.models.StaffRole`` values) the application uses.
    - ``consumers``: event consumers it registers.
    - ``datasets``: what a vendor may be contracted for in this application (default: its code).
    - ``selectable``: False for applications every town has (e.g. code tables); they are not
      offered at onboarding and need not be enabled.
    - ``graphql``: the module holding the application's part of the API (kyodo.api.schema): ``Query``,
      optionally ``Mutation``, ``NODES`` (type name → node resolver), ``TYPES``, ``FEED`` (how its events
      appear in the change feed) and ``STAFF_READS`` (dataset → staff permission check).
    - ``periodic``: jobs run for every town that uses the application (``PeriodicSpec``).
    - ``navigation``: ``"module:function"`` called as ``function(request)`` on the application's pages;
      returns the :class:`NavItem` s the caller's roles may open (the page header's menu, docs/ui.md).
    - ``display``: ``"module:LABELS"``, the code tables it shows codes by (kind → ``{code: label}``
      or ``code -> label | None``), read by ``kyodo.core.display.label``.
    - ``inquiry``: ``"module:function"``, the application's part of 統合照会 (``/inquiry/persons/<id>/``,
      ``kyodo.core.inquiry``). Called in the town's schema as ``function(principal, town, person_id,
      alert_purpose)`` — the caller's principal, the town, the person's id (already parsed as ASCII
      digits) and the purpose the caller stated behind a 照会アラート (``""`` until one was stated) —
      it returns an :class:`InquiryPart`, or None when the caller's roles may not see this part (or
      the town does not use the application). It reads through the application's own selectors, so
      its rules (支援措置, 抑止) and its read audit apply exactly as on its own pages, with
      ``alert_purpose`` in the audit record. To stop the whole page it raises
      :class:`InquiryNotFound` (missing, another town's, protected: one answer), :class:`InquiryRefused`
      (an error-level block) or :class:`InquiryAlert` (the page goes behind the warning; the platform
      asks for one purpose and calls every part again with it). Parts are called in ``order`` of the
      applications, so an application that may gate the page declares a low ``order`` and is called
      before the others read anything.
    """

    code: str
    label: str
    django_app: str | None = None
    urls: str | None = None
    cli: str | None = None
    demo: str | None = None
    statistics: str | None = None
    roles: tuple[str, ...] = ()
    consumers: tuple[ConsumerSpec, ...] = ()
    datasets: tuple[str, ...] = ()
    selectable: bool = True
    menu: bool = True
    order: int = 100
    graphql: str | None = None
    periodic: tuple[PeriodicSpec, ...] = ()
    navigation: str | None = None
    display: str | None = None
    inquiry: str | None = None
    source: str = field(default="", compare=False)

    @property
    def vendor_datasets(self) -> tuple[str, ...]:
        return self.datasets or ((self.code,) if self.selectable else ())


def load_callable(path: str) -> Callable[..., Any]:
    """``"package.module:function"`` → the function."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"{path!r} is not of the form 'module:function'")
    return getattr(importlib.import_module(module_name), attribute)


class RegistryError(RuntimeError):
    pass


_lock = threading.Lock()
_discovered: list[TownApplication] | None = None
_extra: list[TownApplication] = []
_sorted: tuple[TownApplication, ...] | None = None  # applications() on every request: computed once
_listeners: list[Callable[[], None]] = []


def _declaration_modules() -> list[str]:
    names = []
    if TENANTS_DIR.is_dir():
        for info in sorted(pkgutil.iter_modules([str(TENANTS_DIR)]), key=lambda i: i.name):
            if info.ispkg and (TENANTS_DIR / info.name / "app.py").exists():
                names.append(f"tenants.{info.name}.app")
    extra = os.environ.get("KYODO_EXTRA_APPLICATIONS", "")
    names.extend(name.strip() for name in extra.split(",") if name.strip())
    return names


def _discover() -> list[TownApplication]:
    found: list[TownApplication] = []
    for module_name in _declaration_modules():
        module = importlib.import_module(module_name)
        declaration = getattr(module, "APPLICATION", None)
        if not isinstance(declaration, TownApplication):
            raise RegistryError(f"{module_name} has no APPLICATION = TownApplication(...)")
        found.append(_with_source(declaration, module_name))
    _check_unique(found)
    return found


def _with_source(app: TownApplication, source: str) -> TownApplication:
    from dataclasses import replace

    return replace(app, source=source)


def _check_unique(apps: list[TownApplication]) -> None:
    seen: dict[str, str] = {}
    consumers: dict[str, str] = {}
    for app in apps:
        if app.code in seen:
            raise RegistryError(f"application code {app.code!r} declared twice ({seen[app.code]}, {app.source})")
        seen[app.code] = app.source
        for consumer in app.consumers:
            if consumer.name in consumers:
                raise RegistryError(f"event consumer {consumer.name!r} declared twice")
            consumers[consumer.name] = app.code


def applications() -> list[TownApplication]:
    """Every declared application, in menu order."""
    global _discovered, _sorted
    if _sorted is None:
        with _lock:
            if _discovered is None:
                _discovered = _discover()
            _sorted = tuple(sorted([*_discovered, *_extra], key=lambda a: (a.order, a.code)))
    return list(_sorted)


def get(code: str) -> TownApplication | None:
    return next((a for a in applications() if a.code == code), None)


def codes() -> set[str]:
    return {a.code for a in applications()}


def selectable() -> list[TownApplication]:
    """Applications a town may enable or not (onboarding, console)."""
    return [a for a in applications() if a.selectable]


def django_apps() -> list[str]:
    """Django apps holding per-town tables, for ``TENANT_APPS``."""
    return [a.django_app for a in applications() if a.django_app]


def enabled_for(town) -> list[TownApplication]:
    """The applications this town uses: those it enabled, and those every town has."""
    enabled = set(getattr(town, "enabled_applications", None) or ())
    return [a for a in applications() if not a.selectable or a.code in enabled]


def consumers() -> list[tuple[TownApplication, ConsumerSpec]]:
    return [(app, consumer) for app in applications() for consumer in app.consumers]


def datasets() -> tuple[str, ...]:
    return tuple(dict.fromkeys(d for a in applications() for d in a.vendor_datasets))


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever :func:`temporarily` adds or removes an application (URL caches)."""
    _listeners.append(listener)


@contextlib.contextmanager
def temporarily(app: TownApplication) -> Iterator[TownApplication]:
    """Declare ``app`` for the duration of a ``with`` block (tests of the registry itself)."""
    applications()
    with _lock:
        _extra.append(app)
    _changed()
    try:
        yield app
    finally:
        with _lock:
            _extra.remove(app)
        _changed()


def _changed() -> None:
    global _sorted
    _sorted = None
    for listener in _listeners:
        listener()
