"""Expired Django sessions are removed by the daily beat job (kyodo.identity.tasks.sessions_clear)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.schedules import crontab
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from kyodo.identity.tasks import sessions_clear

SYSTEM = {"kind": "system", "name": "test"}


def _session(expires_in: dt.timedelta) -> str:
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_beat_runs_it_daily_as_the_system():
    from kyodo.celery import app

    entry = app.conf.beat_schedule["sessions-clear"]
    assert entry["task"] == "kyodo.identity.tasks.sessions_clear"
    assert entry["schedule"] == crontab(hour=3, minute=30)
    assert entry["kwargs"]["principal"] == {"kind": "system", "name": "beat:sessions-clear"}
    app.loader.import_default_modules()
    assert "kyodo.identity.tasks.sessions_clear" in app.tasks


@pytest.mark.django_db
def test_the_task_removes_expired_sessions_and_keeps_live_ones():
    expired, live = _session(-dt.timedelta(minutes=1)), _session(dt.timedelta(hours=1))
    assert sessions_clear(principal=SYSTEM) >= 1
    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()
    assert sessions_clear(principal=SYSTEM) == 0  # idempotent


@pytest.mark.slow
def test_a_real_worker_removes_an_expired_session(celery_worker_process, committed):
    expired, live = _session(-dt.timedelta(days=1)), _session(dt.timedelta(hours=1))
    try:
        sessions_clear.delay(principal=SYSTEM)
        deadline = time.time() + 30
        while time.time() < deadline and Session.objects.filter(session_key=expired).exists():
            time.sleep(0.2)
        assert not Session.objects.filter(session_key=expired).exists(), \
            celery_worker_process.log_path.read_text()[-2000:]
        assert Session.objects.filter(session_key=live).exists()
    finally:
        Session.objects.filter(session_key__in=[expired, live]).delete()
