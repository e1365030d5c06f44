"""Kyodo (共同利用): the shared platform's public-schema code (settings, tenancy, identity, audit, console, CLI)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
