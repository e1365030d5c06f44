"""``python -m integrations.keycloak.devidp --state-dir DIR <command>``: serve the development IdP, or
administer it the way one would in Keycloak's admin console (groups, disabling users, key rotation), and
the way ``DevIdpProvisioner`` does for onboarding and staff invitations (``town-ensure``, ``town-disable``,
``user-invite``, ``user-disable``; each prints one JSON line of what it changed)."""

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
    town = sub.add_parser("town-ensure", help="a town's role groups and its hosts' URIs on the portal client")
    town.add_argument("--code", required=True)
    town.add_argument("--name", required=True)
    town.add_argument("--redirect-uri", action="append", default=[])
    town.add_argument("--logout-uri", action="append", default=[])
    town_off = sub.add_parser("town-disable", help="empty the town's role groups (the groups stay)")
    town_off.add_argument("--code", required=True)
    invite = sub.add_parser("user-invite", help="create the user if absent and add them to a group; the password "
                            "is the state dir's invite_password (demo), else unusable")
    invite.add_argument("username")
    invite.add_argument("--email", default="")
    invite.add_argument("--full-name", default="")
    invite.add_argument("--group", required=True)
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
    if args.command == "town-ensure":
        print(json.dumps(_town_ensure(args.code, args.redirect_uri, args.logout_uri)))
        return 0
    if args.command == "town-disable":
        removed = []
        for group in Group.objects.filter(name__startswith=f"/towns/{args.code}/"):
            removed += [f"{u.username} {group.name}" for u in group.user_set.all()]
            group.user_set.clear()
        print(json.dumps({"removed": removed}))
        return 0
    if args.command == "user-invite":
        print(json.dumps(_user_invite(state, args.username, args.email, args.full_name, args.group)))
        return 0
    user = User.objects.filter(username=args.username).first()
    if user is None:
        if args.command == "user-disable":  # like Keycloak's provisioner: nothing to disable
            print(json.dumps({"disabled": False, "absent": True}))
            return 0
        raise SystemExit(f"no user {args.username}")
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


TOWN_ROLES = ("counter_clerk", "approver", "section_chief", "auditor", "tax_clerk", "tax_chief")


def _town_ensure(code: str, redirect_uris: list[str], logout_uris: list[str]) -> dict:
    """Groups /towns/<code> and /towns/<code>/<role>, and the URIs added to the portal client (idempotent)."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from oauth2_provider.models import get_application_model

    from . import PORTAL_CLIENT_ID

    with transaction.atomic():
        created = [path for path in [f"/towns/{code}", *(f"/towns/{code}/{role}" for role in TOWN_ROLES)]
                   if Group.objects.get_or_create(name=path)[1]]
        portal = get_application_model().objects.select_for_update().get(client_id=PORTAL_CLIENT_ID)
        redirect = portal.redirect_uris.split()
        logout = portal.post_logout_redirect_uris.split()
        added_redirect = [u for u in dict.fromkeys(redirect_uris) if u not in redirect]
        added_logout = [u for u in dict.fromkeys(logout_uris) if u not in logout]
        if added_redirect or added_logout:
            portal.redirect_uris = " ".join(redirect + added_redirect)
            portal.post_logout_redirect_uris = " ".join(logout + added_logout)
            portal.save(update_fields=["redirect_uris", "post_logout_redirect_uris"])
    return {"groups_created": created, "redirect_uris_added": added_redirect, "logout_uris_added": added_logout}


def _user_invite(state: Path, username: str, email: str, full_name: str, group: str) -> dict:
    """Keycloak's invitation without e-mail: the account is created if absent and put in the group. Its
    password is ``<state>/invite_password`` when that file exists (``kyodo demo`` writes the demo password
    there, so invited demo staff sign in with it), otherwise unusable (an administrator sets one)."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created:
            family, _, given = full_name.partition(" ")
            user.first_name, user.last_name = (given, family) if given else (family, "")
            user.email = email
            password_file = state / "invite_password"
            if password_file.exists():
                user.set_password(password_file.read_text().strip())
            else:
                user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return {"created": created, "usable_password": user.has_usable_password(), "group": group}


if __name__ == "__main__":
    sys.exit(main())
