"""Import a Keycloak realm representation (the subset Kyodo uses: groups, users, clients) into the
development IdP's database. The same JSON shape is what Keycloak's realm import reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db import transaction
from oauth2_provider.models import get_application_model

BASE_SCOPES = {"openid", "profile", "email", "roles", "web-origins", "acr", "basic", "introspection"}


def group_paths(groups: list[dict], parent: str = "") -> list[str]:
    paths: list[str] = []
    for group in groups:
        path = f"{parent}/{group['name']}"
        paths.append(path)
        paths.extend(group_paths(group.get("subGroups", []), path))
    return paths


@transaction.atomic
def realm_import(realm: dict) -> dict[str, int]:
    for path in group_paths(realm.get("groups", [])):
        Group.objects.get_or_create(name=path)
    for spec in realm.get("users", []):
        user, _ = User.objects.get_or_create(username=spec["username"])
        user.first_name = spec.get("firstName", "")
        user.last_name = spec.get("lastName", "")
        user.email = spec.get("email", "")
        user.is_active = spec.get("enabled", True)
        for credential in spec.get("credentials", []):
            if credential.get("type") == "password" and not user.check_password(credential["value"]):
                user.set_password(credential["value"])
        user.save()
        user.groups.set([Group.objects.get_or_create(name=path)[0] for path in spec.get("groups", [])])
    Application = get_application_model()
    scopes: dict[str, list[str]] = {}
    for spec in realm.get("clients", []):
        service_account = spec.get("serviceAccountsEnabled", False) and not spec.get("standardFlowEnabled", True)
        logout_uris = spec.get("attributes", {}).get("post.logout.redirect.uris", "")
        app, _ = Application.objects.get_or_create(client_id=spec["clientId"], defaults={
            "client_type": "confidential", "authorization_grant_type": "authorization-code"})
        app.name = spec.get("name", spec["clientId"])
        app.client_type = "public" if spec.get("publicClient") else "confidential"
        app.authorization_grant_type = "client-credentials" if service_account else "authorization-code"
        # URIs are added, never dropped: a town onboarded at run time (``town-ensure``) keeps its own after
        # the realm file is imported again at the next start.
        app.redirect_uris = " ".join(dict.fromkeys([*app.redirect_uris.split(), *spec.get("redirectUris", [])]))
        app.post_logout_redirect_uris = " ".join(dict.fromkeys(
            [*app.post_logout_redirect_uris.split(), *(u for u in logout_uris.split("##") if u)]))
        app.skip_authorization = True
        app.algorithm = "RS256"
        if spec.get("secret"):
            app.client_secret = spec["secret"]
        app.save()
        extra = [s for s in spec.get("defaultClientScopes", []) if s not in BASE_SCOPES]
        if extra:
            scopes[spec["clientId"]] = extra
    (Path(os.environ["KYODO_DEVIDP_STATE"]) / "client_scopes.json").write_text(json.dumps(scopes))
    return {"users": len(realm.get("users", [])), "clients": len(realm.get("clients", []))}
