"""The ``kyodo`` command: operate the consortium (towns, migrations, demo, worker, audit)."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _path in (str(ROOT / "platform"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# Platform modules that add subcommands: each has ``register(subparsers)``; handlers run after
# django.setup(). Town applications add theirs through their declaration (kyodo.registry).
PLATFORM_CLI_MODULES = (
    "kyodo.api.cli",
    "kyodo.backups.cli",
    "kyodo.identity.cli",
    "kyodo.tenantlog.cli",
)


def cli_modules() -> list[str]:
    from kyodo import registry

    return [*PLATFORM_CLI_MODULES, *(app.cli for app in registry.applications() if app.cli)]


def _setup_django() -> None:
    for path in (str(ROOT / "platform"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo.settings")
    import django

    django.setup()


def _print_errors(exc) -> int:
    for field, messages in exc.message_dict.items():
        for message in messages:
            print(f"エラー [{field}]: {message}", file=sys.stderr)
    return 2


def cmd_town_create(args) -> int:
    from django.core.exceptions import ValidationError

    from kyodo.tenancy.services import municipality_provision

    started = time.perf_counter()
    try:
        town = municipality_provision(
            actor=None, code=args.code, name=args.name, name_kana=args.kana, prefecture=args.prefecture,
            hosts=args.host or [], applications=[a for a in (args.apps or "").split(",") if a],
        )
    except ValidationError as exc:
        return _print_errors(exc)
    elapsed = time.perf_counter() - started
    hosts = ", ".join(town.domains.values_list("domain", flat=True))
    print(f"構築しました: {town.name} ({town.code}) schema={town.schema_name} hosts={hosts} [{elapsed:.3f}s]")
    return 0


def cmd_town_list(args) -> int:
    from kyodo.tenancy.selectors import municipalities_list

    for town in municipalities_list():
        hosts = ",".join(d.domain for d in town.domains.all())
        print(f"{town.code}\t{town.name}\t{town.prefecture}\t{town.status}\t"
              f"{','.join(town.enabled_applications) or '-'}\t{hosts}")
    return 0


def _town_status(args, service_name: str) -> int:
    from django.core.exceptions import ValidationError

    from kyodo.tenancy import services
    from kyodo.tenancy.selectors import municipality_for_command

    town = municipality_for_command(args.code, option="code")
    if town is None:
        return 2
    try:
        town = getattr(services, service_name)(actor=None, town=town, reason=args.reason)
    except ValidationError as exc:
        return _print_errors(exc)
    print(f"{town.name} ({town.code}): {town.get_status_display()}")
    return 0


def cmd_town_apps(args) -> int:
    """業務アプリケーションの利用設定: enable exactly the listed applications for an existing town."""
    from django.core.exceptions import ValidationError

    from kyodo.tenancy import services
    from kyodo.tenancy.selectors import municipality_for_command

    town = municipality_for_command(args.code, option="code")
    if town is None:
        return 2
    wanted = [a.strip() for a in args.apps.split(",") if a.strip()]
    if not wanted:
        print("エラー [apps]: 利用する業務を1つ以上指定してください。", file=sys.stderr)
        return 2
    try:
        town = services.municipality_set_applications(actor=None, town=town, applications=wanted)
    except ValidationError as exc:
        return _print_errors(exc)
    print(f"{town.name} ({town.code}): {','.join(town.enabled_applications)}")
    return 0


def cmd_migrate(args) -> int:
    from kyodo.tenancy.migrate import migrate_all

    started = time.perf_counter()

    def report(result):
        state = "ok" if result.ok else "FAILED"
        line = f"{result.schema_name}\t{state}\tapplied={result.applied}\t{result.seconds:.2f}s"
        if result.error:
            line += f"\t{result.error}"
        print(line, flush=True)

    results = migrate_all(processes=args.processes, on_result=report)
    failed = [r for r in results if not r.ok]
    print(f"{len(results)} towns migrated in {time.perf_counter() - started:.2f}s; {len(failed)} failed")
    return 1 if failed else 0


def cmd_audit_verify(args) -> int:
    if args.town:
        return _town_audit_verify(args.town, args.app)
    from kyodo.audit.services import platform_audit_verify

    report = platform_audit_verify()
    if report.ok:
        print(f"platform audit chain ok: {report.entries_checked} entries")
        return 0
    print(f"platform audit chain BROKEN at entry {report.first_broken_seq}: {report.reason}", file=sys.stderr)
    return 1


def _town_audit_verify(code: str, application: str | None) -> int:
    """Verify one town's personal-data audit chains (all applications, or ``application``)."""
    from django_tenants.utils import tenant_context

    from kyodo.tenancy.selectors import municipality_for_command
    from kyodo.tenantlog import audit

    town = municipality_for_command(code)
    if town is None:
        return 2
    with tenant_context(town):
        reports = audit.verify_all(town, application=application)
    if not reports:
        print(f"{town.name} ({town.code}): no audit entries" + (f" for {application}" if application else ""))
        return 0
    broken = 0
    for report in reports:
        if report.ok:
            print(f"{town.name} ({town.code}) {report.chain} audit chain ok: {report.entries_checked} entries")
        else:
            broken += 1
            print(f"{town.name} ({town.code}) {report.chain} audit chain BROKEN at entry {report.first_broken_seq}: "
                  f"{report.reason}", file=sys.stderr)
    return 1 if broken else 0


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(argv, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _worker_argv() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "kyodo", "worker", "--loglevel=INFO", "--concurrency=2",
            "--without-gossip", "--without-mingle", "-n", f"kyodo-{os.getpid()}@%h"]


def web_argv(bind: str) -> list[str]:
    """gunicorn serving kyodo.wsgi with the project's configuration (docs/operations.md "Serving")."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:kyodo.gunicorn_conf", "--bind", bind,
            "kyodo.wsgi:application"]


def cmd_worker(args) -> int:
    from kyodo.config import CONFIG
    from kyodo.embedded import env_with_services

    env = env_with_services(CONFIG.state_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    return subprocess.call(_worker_argv(), env=env)


def cmd_demo(args) -> int:
    import urllib.request

    from django.conf import settings

    from kyodo.config import CONFIG
    from kyodo.demo import demo_password, demo_setup
    from kyodo.embedded import stop_children, stop_embedded, use_services
    from kyodo.tenancy.migrate import migrate_all

    env = use_services(CONFIG.state_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    processes: list[subprocess.Popen] = []
    stopped = False

    def stop(*_):
        """Stop every process the demo started, then the embedded PostgreSQL and redis-server unless
        another command (a test run, `kyodo worker`) still uses them. Safe to call more than once."""
        nonlocal stopped
        if stopped:
            return
        stopped = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        for proc in processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        stop_children()  # what a starter interrupted by Ctrl-C had not handed back yet (IdP, stores)
        for line in stop_embedded(CONFIG.state_dir):
            print(line, flush=True)

    # Ctrl-C or a SIGTERM at any point, start-up included, ends in stop(): SystemExit and
    # KeyboardInterrupt unwind through the try/finally below, or through atexit before it.
    atexit.register(stop)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(0))
    print("データベースを更新しています…", flush=True)
    for result in migrate_all(processes=2):
        if not result.ok:
            print(f"  {result.schema_name}: migration failed: {result.error}", file=sys.stderr)
    password = demo_password(CONFIG.state_dir)
    towns = demo_setup(password=password, host_suffix=settings.KYODO_TOWN_HOST_SUFFIX, scale=args.scale)
    logs = CONFIG.state_dir / "logs"
    from kyodo.backups.embedded import start_local_stores  # three local S3 stores unless configured

    store_env, store_processes = start_local_stores(CONFIG.state_dir)
    processes.extend(store_processes)
    env.update(store_env)  # the children's environment; this process's own configuration stays as read
    from kyodo.backups.embedded import local_files_env

    env.update(local_files_env())  # 添付ファイル of online applications: a bucket of its own on the first store
    from integrations.keycloak.devidp.demo import start_demo_idp  # SSO: development OIDC provider

    idp_env, idp = start_demo_idp(CONFIG.state_dir, password=password, web_port=args.port)
    processes.append(idp)
    env.update(idp_env)
    processes.append(_spawn(_worker_argv(), env, logs / "worker.log"))
    # Static files as in production: collected under hashed names, served by WhiteNoise (docs/ui.md).
    env["KYODO_HASHED_STATIC"] = "1"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
                   env=env, check=True)
    # The production application server (kyodo.gunicorn_conf), two workers for a laptop.
    env.setdefault("KYODO_WEB_WORKERS", "2")
    processes.append(_spawn(web_argv(f"127.0.0.1:{args.port}"), env, logs / "web.log"))
    base = f"http://localhost:{args.port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    # Refresh every town's statistics through the real worker so the console shows them.
    from kyodo.identity.principal import task_principal
    from kyodo.tenancy.tasks import municipality_statistics_refresh

    pending = [municipality_statistics_refresh.delay(schema_name=t.schema_name, principal=task_principal(None, "demo"))
               for t in towns]
    print("\nKyodo 共同利用デモが起動しました。")
    print(f"  共同利用コンソール: {base}/console/   (pref-admin)")
    for town in towns:
        host = town.domains.filter(is_primary=True).first().domain
        print(f"  {town.name:<5} http://{host}:{args.port}/   ({host.split('.')[0]}-clerk / -approver / -chief)")
        for note in getattr(town, "demo_notes", ()):
            print(f"        {note}")
    print(f"  パスワード（全デモアカウント共通）: {password}")
    print(f"  認証基盤（開発用 OIDC, Keycloak 互換）: {idp_env['KYODO_OIDC_ISSUER']}")
    from kyodo.demo import DEMO_VENDORS, vendor_secret

    print(f"  ベンダー API（docs/api.md）: http://<団体のホスト>:{args.port}/graphql/   トークン: "
          f"{idp_env['KYODO_OIDC_ISSUER']}/protocol/openid-connect/token (client_credentials)")
    for vendor in DEMO_VENDORS:
        print(f"    {vendor.name}: client_id={vendor.client_id} client_secret={vendor_secret(CONFIG.state_dir, vendor)}"
              f"  ({' '.join(vendor.scopes)})")
    print(f"  ログ: {logs}/  worker.log web.log   停止: Ctrl-C\n", flush=True)
    try:
        if args.check:
            return 0 if _demo_check(base, towns, len(pending), issuer=idp_env["KYODO_OIDC_ISSUER"]) else 1
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        print("a demo process stopped; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


def _demo_check(base: str, towns, expected: int, *, issuer: str) -> bool:
    """Smoke check used by `kyodo demo --check`: pages answer, each demo vendor gets a token and reads
    its town through the API (docs/api.md), and the worker did its work."""
    import base64
    import json
    import urllib.parse
    import urllib.request

    from django.conf import settings

    from kyodo.config import CONFIG
    from kyodo.demo import DEMO_VENDORS, SAGA_TOWNS, vendor_secret
    from kyodo.tenancy.models import MunicipalityStatistics

    ok = True
    for town in towns:
        host = town.domains.filter(is_primary=True).first().domain
        port = base.rsplit(":", 1)[1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", headers={"Host": f"{host}:{port}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
            good = response.status == 200 and town.name in body
            print(f"check {town.name} login page: {'ok' if good else 'FAILED'}")
            ok &= good
    port = base.rsplit(":", 1)[1]
    slugs = {t.code: t.slug for t in SAGA_TOWNS}
    for vendor in DEMO_VENDORS:
        good = False
        try:
            basic = base64.b64encode(f"{vendor.client_id}:{vendor_secret(CONFIG.state_dir, vendor)}".encode()).decode()
            request = urllib.request.Request(f"{issuer}/protocol/openid-connect/token", headers={
                "Authorization": f"Basic {basic}"}, data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode())
            with urllib.request.urlopen(request, timeout=10) as response:
                token = json.loads(response.read())["access_token"]
            host = f"{slugs[vendor.towns[0]]}{settings.KYODO_TOWN_HOST_SUFFIX}"
            request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql/", headers={
                "Host": f"{host}:{port}", "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                data=json.dumps({"query": "query Check { municipality { code } persons(first: 1) { nodes { id } } }"}).encode())
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read())
            good = "errors" not in answer and answer["data"]["municipality"]["code"] == vendor.towns[0]
        except (OSError, KeyError, TypeError, ValueError) as error:
            print(f"  {vendor.client_id}: {error}")
        print(f"check vendor API {vendor.client_id}: {'ok' if good else 'FAILED'}")
        ok &= good
    deadline = time.time() + 60
    while time.time() < deadline:
        done = MunicipalityStatistics.objects.filter(municipality__in=towns).count()
        if done >= expected:
            break
        time.sleep(0.5)
    done = MunicipalityStatistics.objects.filter(municipality__in=towns).count()
    print(f"check worker refreshed statistics: {done}/{expected}")
    return ok and done >= expected


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyodo", description="Kyodo 共同利用システムの運用コマンド")
    sub = parser.add_subparsers(dest="command", required=True)

    town = sub.add_parser("town", help="団体の管理").add_subparsers(dest="town_command", required=True)
    create = town.add_parser("create", help="団体を新規構築する")
    create.add_argument("--code", required=True, help="全国地方公共団体コード（6桁）")
    create.add_argument("--name", required=True)
    create.add_argument("--kana", required=True)
    create.add_argument("--prefecture")
    create.add_argument("--host", action="append", help="ホスト名（複数指定可）")
    create.add_argument("--apps", default="residents", help="利用業務（カンマ区切り: residents,tax,nhi,...）")
    create.set_defaults(func=cmd_town_create)
    town.add_parser("list", help="団体一覧").set_defaults(func=cmd_town_list)
    for name, service in (("suspend", "municipality_suspend"), ("resume", "municipality_resume")):
        p = town.add_parser(name)
        p.add_argument("--code", required=True)
        p.add_argument("--reason", required=True, help="理由（必須。監査ログに記録されます）")
        p.set_defaults(func=lambda a, s=service: _town_status(a, s))
    apps = town.add_parser("apps", help="利用する業務を設定する（指定したものだけが有効になる）")
    apps.add_argument("--code", required=True)
    apps.add_argument("--apps", required=True, help="カンマ区切り: residents,nhi,tax,...")
    apps.set_defaults(func=cmd_town_apps)
    from integrations.standard_spec.cli import register_town  # import / onboard from standard-layout files

    register_town(town)

    migrate = sub.add_parser("migrate", help="全団体にマイグレーションを適用する（並列）")
    migrate.add_argument("--processes", type=int, default=None)
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="佐賀県6団体のデモを起動する")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--check", action="store_true", help="起動を確認して終了する")
    demo.add_argument("--scale", type=float, default=0.01, help="合成住民の規模（実人口に対する比率）")
    demo.set_defaults(func=cmd_demo)

    sub.add_parser("worker", help="Celery ワーカーを起動する").set_defaults(func=cmd_worker)

    audit = sub.add_parser("audit", help="監査ログ").add_subparsers(dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="監査ログのハッシュ連鎖を検証する（--town で団体の個人情報アクセス記録）")
    verify.add_argument("--town", help="団体コード（6桁）: その団体の業務ごとの監査ログを検証する")
    verify.add_argument("--app", help="業務コード（例: residents）: --town と併用")
    verify.set_defaults(func=cmd_audit_verify)
    for module_name in cli_modules():
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["demo"]:
        # The demo runs in debug mode (generated secrets, plain http); production is the default.
        os.environ.setdefault("KYODO_DEBUG", "1")
    args = build_parser().parse_args(argv)
    _setup_django()
    if getattr(args, "processes", 0) is None:
        from django.conf import settings

        args.processes = settings.KYODO_MIGRATE_PROCESSES
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
