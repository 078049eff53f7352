"""``tandem credentials verify`` exit codes (0 valid, 1 invalid, 2 could not check) and the
``tandem issuers`` registry commands that turn "valid, unknown issuer" into "valid"."""

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

from plugin.credentials.sample import issue_sample
from plugin.db import utcnow
from tests.open_signers import key_url, p256_did_key, sign_ecdsa_rdfc


def _sample(folder: Path) -> dict[str, object]:
    sample = issue_sample("partner.example", utcnow())
    (folder / "credential.json").write_text(json.dumps(sample.credential))
    (folder / "did.json").write_text(json.dumps(sample.did_document))
    (folder / "status.json").write_text(json.dumps(sample.status_list))
    return sample.did_document


def test_verify_exit_codes_and_the_trusted_issuer_registry(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    did_doc = _sample(tmp_path)
    file = str(tmp_path / "credential.json")

    unknown = runner.invoke(args=["tandem", "credentials", "verify", file])
    assert unknown.exit_code == 0, unknown.output
    assert "VALID, UNKNOWN ISSUER" in unknown.output
    assert "ok   status" in unknown.output

    registry = tmp_path / "alliance.json"
    registry.write_text(json.dumps({"issuers": [{"id": did_doc["id"], "name": "Partner U"}]}))
    imported = runner.invoke(args=["tandem", "issuers", "import", str(registry)])
    assert imported.exit_code == 0, imported.output
    assert "1 added" in imported.output
    again = runner.invoke(args=["tandem", "issuers", "import", str(registry)])
    assert "0 added, 0 renamed, 1 already listed" in again.output
    listed = runner.invoke(args=["tandem", "issuers", "list"])
    assert f"{did_doc['id']}\tPartner U" in listed.output

    trusted = runner.invoke(args=["tandem", "credentials", "verify", file])
    assert trusted.exit_code == 0
    assert "VALID: the issuer is on the alliance's list" in trusted.output

    (tmp_path / "status.json").unlink()
    unchecked = runner.invoke(args=["tandem", "credentials", "verify", "--offline", file])
    assert unchecked.exit_code == 2, unchecked.output
    assert "??   status" in unchecked.output

    credential = json.loads((tmp_path / "credential.json").read_text())
    credential["name"] = "Forged"
    (tmp_path / "credential.json").write_text(json.dumps(credential))
    forged = runner.invoke(args=["tandem", "credentials", "verify", "--offline", file])
    assert forged.exit_code == 1
    assert "FAIL proof" in forged.output


def test_verify_a_did_key_credential_and_a_folder_of_did_documents(
    app: Flask, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    key = ec.generate_private_key(ec.SECP256R1())
    did = p256_did_key(key)
    sample = issue_sample("partner.example", utcnow())
    document = {
        k: v for k, v in sample.credential.items() if k not in ("proof", "credentialStatus")
    }
    document["issuer"] = {**document["issuer"], "id": did}
    (tmp_path / "p256.json").write_text(json.dumps(sign_ecdsa_rdfc(document, key, key_url(did))))
    result = runner.invoke(
        args=["tandem", "credentials", "verify", "--offline", str(tmp_path / "p256.json")]
    )
    assert result.exit_code == 0, result.output
    assert "ecdsa-rdfc-2019" in result.output

    folder = tmp_path / "dids"
    folder.mkdir()
    (folder / "partner.json").write_text(json.dumps(sample.did_document))
    (folder / "junk.json").write_text("{not json")
    (tmp_path / "tandem.json").write_text(json.dumps(sample.credential))
    result = runner.invoke(
        args=[
            "tandem",
            "credentials",
            "verify",
            "--offline",
            "--did",
            str(folder),
            str(tmp_path / "tandem.json"),
        ]
    )
    assert result.exit_code == 2, result.output  # signature fine; the status list not given
    assert "ok   proof" in result.output


def test_bad_files_are_clear_errors(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    junk = tmp_path / "junk.json"
    junk.write_text("[[[[[[" * 10000)
    result = runner.invoke(args=["tandem", "credentials", "verify", "--offline", str(junk)])
    assert result.exit_code == 1
    assert "FAIL format" in result.output
    bad_registry = tmp_path / "registry.json"
    bad_registry.write_text(json.dumps([{"id": "ftp://nope", "name": "X"}]))
    result = runner.invoke(args=["tandem", "issuers", "import", str(bad_registry)])
    assert result.exit_code == 1
    assert "Issuer 1: the id must be a DID or an https address." in result.output
    assert "Traceback" not in result.output
