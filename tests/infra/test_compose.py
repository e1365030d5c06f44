"""Static checks of infra/compose (nothing is started here: there is no container engine in CI).

The compose file is validated against the Compose Specification's JSON schema (vendored next to it,
infra/compose/SCHEMA-LICENSE.md), then against this project's rules: pinned images, no secrets in the
file, every setting the app needs in production supplied, the realm export mounted, three MinIO stores."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "infra" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
SCHEMA = COMPOSE_DIR / "compose-spec.json"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# What the app refuses to start without when KYODO_DEBUG=0 (kyodo.config: secret(..., debug=False)),
# plus what production needs to reach its services and the IdP (docs/configuration.md).
REQUIRED_SECRETS = ("KYODO_SECRET_KEY", "KYODO_PII_KEY", "KYODO_FILES_KEY", "KYODO_BACKUP_SIGNING_KEY",
                    "KYODO_OIDC_CLIENT_SECRET", "KYODO_KEYCLOAK_ADMIN_CLIENT_SECRET")
REQUIRED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "KYODO_OIDC_ISSUER", "KYODO_KEYCLOAK_URL", "KYODO_ALLOWED_HOSTS",
                     "KYODO_PUBLIC_HOST", "KYODO_TOWN_HOST_SUFFIX")
# Secrets the app reads from the environment only: they must come from the env file, never this file.
ENV_FILE_SECRETS = tuple(f"KYODO_BACKUP_STORE_{s}_{k}" for s in "ABC" for k in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: str(v) for k, v in env.items()}


def test_valid_against_the_compose_spec_schema(compose):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_a_broken_file(compose):
    # the validation above can fail: an unknown service key and a malformed port are both refused
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["restart_policy"] = "always"
    errors = list(jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(broken))
    assert errors


def test_no_version_key_and_no_second_stack(compose):
    assert "version" not in compose
    stacks = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "infra").rglob("*compose*.y*ml"))
    assert stacks == ["infra/compose/compose.yaml"]


def test_every_service_has_a_pinned_image_or_a_build(compose):
    for name, service in compose["services"].items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            dockerfile = COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
            assert dockerfile.is_file(), name
            continue
        image = service["image"]
        assert ":" in image.rsplit("/", 1)[-1], f"{name}: {image} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"


def test_keycloak_is_26_in_production_mode_with_its_own_database(compose):
    keycloak = compose["services"]["keycloak"]
    assert re.fullmatch(r"quay\.io/keycloak/keycloak:26\.\d+\.\d+", keycloak["image"])
    command = keycloak["command"]
    assert command[0] == "start" and "--import-realm" in command and "start-dev" not in command
    env = _env(keycloak)
    assert env["KC_DB"] == "postgres" and "keycloak-db:5432" in env["KC_DB_URL"]
    assert "keycloak-db" in keycloak["depends_on"]
    assert keycloak["depends_on"]["keycloak-db"]["condition"] == "service_healthy"
    assert compose["services"]["keycloak-db"]["volumes"] != compose["services"]["postgres"]["volumes"]


def test_the_mounted_realm_file_is_the_repository_export(compose):
    mounts = [v for v in compose["services"]["keycloak"]["volumes"] if "/opt/keycloak/data/import/" in v]
    assert len(mounts) == 1
    source = (COMPOSE.parent / mounts[0].split(":")[0]).resolve()
    assert source == ROOT / "infra" / "keycloak" / "kyodo-realm.json"
    assert json.loads(source.read_text())["realm"] == "kyodo"


def test_three_distinct_minio_stores_with_object_lock_buckets(compose):
    services = compose["services"]
    stores = [n for n, s in services.items() if s.get("image", "").startswith("minio/minio:")]
    assert sorted(stores) == ["minio-a", "minio-b", "minio-c"]
    volumes = {services[n]["volumes"][0].split(":")[0] for n in stores}
    assert len(volumes) == 3 and volumes <= set(compose["volumes"])
    init = services["minio-init"]
    script = init["command"][0]
    assert "--with-lock" in script and "retention set --default COMPLIANCE" in script
    assert set(init["depends_on"]) == set(stores)
    app_env = _env(services["web"])
    endpoints = {app_env[f"KYODO_BACKUP_STORE_{s}_ENDPOINT"] for s in "ABC"}
    assert endpoints == {f"http://{n}:9000" for n in stores}
    assert {app_env[f"KYODO_BACKUP_STORE_{s}_BUCKET"] for s in "ABC"} == {f"kyodo-backup-{s}" for s in "abc"}
    assert {app_env[f"KYODO_BACKUP_STORE_{s}_LOCK_MODE"] for s in "ABC"} == {"COMPLIANCE"}


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name


def test_app_services_get_every_production_setting(compose):
    declared = set(compose["secrets"])
    for name in APP_SERVICES:
        service = compose["services"][name]
        env = _env(service)
        assert env["KYODO_DEBUG"] == "0", name
        for setting in REQUIRED_SETTINGS:
            assert env.get(setting), f"{name}: {setting}"
        for secret in REQUIRED_SECRETS:
            assert secret not in env, f"{name}: {secret} must come from a file"
            path = env.get(f"{secret}_FILE", "")
            assert path.startswith("/run/secrets/"), f"{name}: {secret}_FILE"
            assert path.removeprefix("/run/secrets/") in service["secrets"], f"{name}: {secret}"
        assert set(service["secrets"]) <= declared
        assert service["env_file"], name
        assert ":" not in env["DATABASE_URL"].split("//", 1)[1].split("@")[0], "password in DATABASE_URL"


def test_commands_match_the_app(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "kyodo.wsgi:application"]
    celery_app = re.search(r'Celery\("([^"]+)"', (ROOT / "platform/kyodo/celery.py").read_text())
    assert celery_app and celery_app[1] == "kyodo"
    for name, kind in (("worker", "worker"), ("beat", "beat")):
        command = services[name]["command"]
        assert command[:4] == ["celery", "-A", celery_app[1], kind], name


def test_secrets_come_from_outside_the_repository(compose):
    for name, definition in compose["secrets"].items():
        assert definition["file"].startswith("${KYODO_SECRETS_DIR:?"), name
    text = COMPOSE.read_text()
    for variable in ENV_FILE_SECRETS + ("KC_DB_PASSWORD", "KC_BOOTSTRAP_ADMIN_PASSWORD", "POSTGRES_PASSWORD:",
                                        "MINIO_ROOT_PASSWORD:", "KYODO_PORTAL_CLIENT_SECRET:"):
        assert not re.search(rf"^\s*{re.escape(variable.rstrip(':'))}\s*:", text, re.M), variable
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if re.search(r"PASSWORD|SECRET|_KEY$|TOKEN", key) and not key.endswith("_FILE"):
                assert value.startswith("${") or value == "", f"{name}: {key} has a literal value"


def test_env_example_has_only_placeholders():
    example = (COMPOSE_DIR / ".env.example").read_text()
    values = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    for variable in ENV_FILE_SECRETS:
        assert values[variable].startswith("<"), variable
    for key, value in values.items():
        if re.search(r"PASSWORD|SECRET(?!S_DIR)|CERT", key):
            assert value.startswith("<") and value.endswith(">"), key


def test_minio_init_script_runs_and_sends_valid_lifecycle_rules(compose, tmp_path):
    # The one-shot script, interpolated as compose would ($$ → $), run by sh against a stand-in `mc`
    # that records its calls: each store gets a locked bucket, default retention and the lifecycle rules.
    secrets, bin_dir = tmp_path / "secrets", tmp_path / "bin"
    secrets.mkdir()
    bin_dir.mkdir()
    for store in "abc":
        (secrets / f"minio_{store}_root_user").write_text(f"user-{store}\n")
        (secrets / f"minio_{store}_root_password").write_text(f"password-{store}\n")
    log = tmp_path / "calls.log"
    mc = bin_dir / "mc"
    mc.write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$1" = ilm ] && cat > {tmp_path}/ilm-"$(basename "$3")".json\nexit 0\n')
    mc.chmod(0o755)
    script = compose["services"]["minio-init"]["command"][0].replace("$$", "$").replace("/run/secrets", str(secrets))
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "KYODO_BACKUP_RETENTION_DAYS": "400"}
    subprocess.run(["sh", "-c", script], env=env, check=True, timeout=30)
    calls = log.read_text().splitlines()
    for store in "abc":
        bucket = f"{store}/kyodo-backup-{store}"
        assert f"alias set {store} http://minio-{store}:9000 user-{store} password-{store}" in calls
        assert f"mb --ignore-existing --with-lock {bucket}" in calls
        assert f"retention set --default COMPLIANCE 400d {bucket}" in calls
        rules = json.loads((tmp_path / f"ilm-kyodo-backup-{store}.json").read_text())["Rules"]
        assert rules[0]["Expiration"] == {"Days": 401} and rules[0]["Filter"] == {"Prefix": "kyodo/"}
        assert rules[1]["Expiration"] == {"ExpiredObjectDeleteMarker": True}


def test_dockerfile_builds_from_python_311_slim_and_runs_unprivileged():
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+", b) for b in bases), bases
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "pip install ." in dockerfile and "frontend/build.py" in dockerfile and "collectstatic" in dockerfile
    assert "npm ci" in dockerfile  # from the committed lock file, as scripts/setup.sh does
    ignored = (COMPOSE_DIR / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".venv-checkov", "var", "**/.env", ".git"} <= set(ignored)
