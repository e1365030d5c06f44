"""Static checks of infra/terraform (parsed with python-hcl2; nothing is applied here)."""

from pathlib import Path

import hcl2
import pytest

TF = Path(__file__).resolve().parents[2] / "infra" / "terraform"
FILES = sorted(TF.rglob("*.tf"))


def _unquote(value):
    """python-hcl2 8 keeps HCL's quotes on labels and strings; drop them (and its block markers)."""
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _load(path: Path) -> dict:
    with path.open() as handle:
        return _unquote(hcl2.load(handle))


def _resources(kind: str) -> list[dict]:
    found = []
    for path in FILES:
        for block in _load(path).get("resource", []):
            for resource in block.get(kind, {}).values() if kind in block else []:
                found.append(resource)
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TF)))
def test_every_file_parses(path):
    assert isinstance(_load(path), dict)


def test_backup_buckets_use_object_lock_in_compliance_mode():
    buckets = _resources("aws_s3_bucket")
    assert buckets and all(b["object_lock_enabled"] is True for b in buckets)
    (lock,) = _resources("aws_s3_bucket_object_lock_configuration")
    assert lock["rule"][0]["default_retention"][0]["mode"] == "COMPLIANCE"
    modules = [m for path in FILES for block in _load(path).get("module", []) for m in block.values()]
    assert len([m for m in modules if m["source"] == "./modules/backup_store"]) == 3


def test_database_is_encrypted_private_protected_and_has_no_literal_password():
    (db,) = _resources("aws_db_instance")
    assert db["storage_encrypted"] is True
    assert db["publicly_accessible"] is False
    assert db["deletion_protection"] is True
    assert db["manage_master_user_password"] is True
    assert "password" not in db


def test_no_secret_literals_anywhere():
    for path in FILES:
        text = path.read_text().lower()
        for needle in ("secret_key", "aws_secret_access_key", "password ="):
            assert needle not in text, f"{path.name} contains {needle!r}"
