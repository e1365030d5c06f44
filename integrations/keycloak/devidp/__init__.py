"""Development OpenID provider: django-oauth-toolkit (an existing, standards-compliant OIDC provider)
run as a separate small Django project with Keycloak-shaped endpoints, for the demo and the tests.

``start_dev_idp`` prepares its state directory (RSA signing key, realm import) and starts it on a
loopback port; the environment it returns (``KYODO_OIDC_ISSUER`` ...) is all Kyodo needs to use it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
PORTAL_CLIENT_ID = "kyodo-portal"


def generate_rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(text)
    path.chmod(0o600)


def prepare_state(idp_dir: Path, *, issuer: str, realm: dict) -> None:
    """Create the signing key and Django secret once; (re)write the realm to import and the issuer."""
    idp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (idp_dir / "keys" / "active.pem").exists():
        _write_private(idp_dir / "keys" / "active.pem", generate_rsa_pem())
    if not (idp_dir / "django_secret").exists():
        _write_private(idp_dir / "django_secret", secrets.token_urlsafe(48))
    _write_private(idp_dir / "realm.json", json.dumps(realm, ensure_ascii=False, indent=1))
    (idp_dir / "issuer").write_text(issuer)


def idp_environ(idp_dir: Path) -> dict[str, str]:
    """Environment for the IdP's own process (its Django settings read these)."""
    realm = json.loads((idp_dir / "realm.json").read_text())
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integrations.keycloak.devidp.settings",
        "KYODO_DEVIDP_STATE": str(idp_dir),
        "KYODO_DEVIDP_ISSUER": (idp_dir / "issuer").read_text().strip(),
        "KYODO_DEVIDP_REALM": realm.get("realm", "kyodo"),
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "platform")]),
    }


def run_idp_command(idp_dir: Path, *args: str) -> str:
    """Run an administrative command of the IdP (e.g. remove a user from a group) in its own process."""
    result = subprocess.run([sys.executable, "-m", "integrations.keycloak.devidp", "--state-dir", str(idp_dir),
                             *args], env=idp_environ(idp_dir), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"devidp {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def start_dev_idp(idp_dir: Path, port: int, realm: dict, *, host: str = "127.0.0.1",
                  extra_env: dict[str, str] | None = None, log: Path | None = None,
                  timeout: float = 90) -> tuple[dict[str, str], subprocess.Popen]:
    """Start the IdP on ``host:port`` and wait until its discovery document answers.

    Returns (environment for Kyodo: KYODO_OIDC_ISSUER/CLIENT_ID/CLIENT_SECRET_FILE, the process).
    """
    realm_name = realm.get("realm", "kyodo")
    issuer = f"http://{host}:{port}/realms/{realm_name}"
    prepare_state(idp_dir, issuer=issuer, realm=realm)
    env = idp_environ(idp_dir)
    env.update(extra_env or {})
    log = log or idp_dir / "idp.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "integrations.keycloak.devidp", "--state-dir", str(idp_dir), "serve",
         "--bind", f"{host}:{port}"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            if proc.poll() is None:
                proc.terminate()
            raise RuntimeError(f"development IdP did not start: {log.read_text()[-3000:]}")
        time.sleep(0.2)
    portal = next((c for c in realm.get("clients", []) if c["clientId"] == PORTAL_CLIENT_ID), None)
    kyodo_env = {"KYODO_OIDC_ISSUER": issuer, "KYODO_OIDC_CLIENT_ID": PORTAL_CLIENT_ID}
    if portal is not None:
        secret_file = idp_dir / "portal_client_secret"
        _write_private(secret_file, portal["secret"])
        kyodo_env["KYODO_OIDC_CLIENT_SECRET_FILE"] = str(secret_file)
    return kyodo_env, proc


def stop_dev_idp(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
