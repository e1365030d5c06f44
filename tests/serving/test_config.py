"""Production is the default: without KYODO_DEBUG a missing secret stops the start with a clear error,
and the HTTPS, proxy and prefix settings come from their variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kyodo.config import CONFIG, Config, ServingConfig

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]), **extra)
    return env


def test_without_kyodo_debug_a_missing_secret_fails_clearly():
    result = subprocess.run([sys.executable, "-c", "import kyodo.config"], env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "KYODO_SECRET_KEY (or KYODO_SECRET_KEY_FILE) must be set when KYODO_DEBUG is off" in result.stderr


def test_without_kyodo_debug_debug_is_off(tmp_path):
    code = "from kyodo.config import CONFIG, SERVING; print(CONFIG.debug, SERVING.hsts_seconds)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=_env(KYODO_SECRET_KEY="x" * 50, KYODO_STATE_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "31536000"]


def _serving(**env: str) -> ServingConfig:
    base = Config(**{**CONFIG.__dict__, "debug": False})
    return ServingConfig.from_environ(base, env)


def test_serving_defaults_are_the_safe_ones():
    serving = _serving()
    assert (serving.hsts_seconds, serving.hsts_include_subdomains, serving.hsts_preload) == (31_536_000, False, False)
    assert not serving.trust_proxy_ssl_header and not serving.use_x_forwarded_host and serving.script_name is None
    assert (serving.session_max_seconds, serving.session_idle_seconds) == (8 * 3600, 30 * 60)


def test_serving_variables_are_read_strictly():
    serving = _serving(KYODO_SCRIPT_NAME="/kyodo/", KYODO_TRUST_PROXY_SSL_HEADER="1", KYODO_HSTS_PRELOAD="yes")
    assert serving.script_name == "/kyodo" and serving.trust_proxy_ssl_header and serving.hsts_preload
    for env in ({"KYODO_SCRIPT_NAME": "kyodo"}, {"KYODO_SESSION_IDLE_SECONDS": "３０"},
                {"KYODO_SESSION_IDLE_SECONDS": "0"}, {"KYODO_HSTS_SECONDS": "-1"},
                {"KYODO_SESSION_IDLE_SECONDS": "40000"}):
        with pytest.raises(ValueError):
            _serving(**env)


@pytest.mark.django_db
def test_the_production_headers(client):
    response = client.get("/accounts/login/", HTTP_HOST="localhost")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
