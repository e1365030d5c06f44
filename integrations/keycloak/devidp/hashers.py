"""Password hashing of the development IdP when ``KYODO_DEVIDP_PBKDF2_ITERATIONS`` is set: Django's
PBKDF2-SHA256 with that many iterations. The load benchmark sets it low, because there the provider
shares the machine's two cores with the Kyodo server it measures, and a hundred sign-ins at Django's
default (1,000,000 iterations, about half a CPU-second each) would be the provider's load, not Kyodo's.
Keycloak runs on machines of its own in production."""

from __future__ import annotations

import os

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ConfiguredPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_devidp"
    iterations = int(os.environ.get("KYODO_DEVIDP_PBKDF2_ITERATIONS") or PBKDF2PasswordHasher.iterations)
