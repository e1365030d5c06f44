"""``python -m integrations.keycloak.devidp --state-dir DIR <command>``: serve the development IdP, or
administer it the way one would in Keycloak's admin console (groups, disabling users, key rotation)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devidp")
    parser.add_argument("--state-dir", required=True, type=Path)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--bind", default="127.0.0.1:8180")
    groups = sub.add_parser("user-groups", help="add or remove a user's groups (full paths)")
    groups.add_argument("username")
    groups.add_argument("--add", action="append", default=[])
    groups.add_argument("--remove", action="append", default=[])
    disable = sub.add_parser("user-disable", help="disable a user and revoke their tokens")
    disable.add_argument("username")
    sub.add_parser("rotate-key", help="new active signing key; the old one stays published (restart to apply)")
    args = parser.parse_args(argv)

    from . import generate_rsa_pem, idp_environ

    state: Path = args.state_dir
    if args.command == "rotate-key":
        keys = state / "keys"
        (keys / "active.pem").rename(keys / f"inactive-{time.time_ns()}.pem")
        (keys / "active.pem").write_text(generate_rsa_pem())
        (keys / "active.pem").chmod(0o600)
        print("rotated")
        return 0
    os.environ.update(idp_environ(state))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    if args.command == "serve":
        call_command("migrate", verbosity=0, interactive=False)
        from .realm import realm_import

        counts = realm_import(json.loads((state / "realm.json").read_text()))
        print(f"realm imported: {counts}", flush=True)
        call_command("runserver", args.bind, use_reloader=False, use_threading=True, skip_checks=True)
        return 0
    user = User.objects.get(username=args.username)
    if args.command == "user-groups":
        for path in args.add:
            user.groups.add(Group.objects.get_or_create(name=path)[0])
        for path in args.remove:
            user.groups.remove(*Group.objects.filter(name=path))
        print(json.dumps(sorted(user.groups.values_list("name", flat=True))))
    elif args.command == "user-disable":
        from oauth2_provider.models import get_access_token_model, get_refresh_token_model

        user.is_active = False
        user.save(update_fields=["is_active"])
        get_refresh_token_model().objects.filter(user=user).delete()
        get_access_token_model().objects.filter(user=user).delete()
        print("disabled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
