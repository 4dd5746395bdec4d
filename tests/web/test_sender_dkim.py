"""Settings → Sender accounts → *DKIM key* and `PUT /api/accounts/{id}/dkim`: admins give an email account its
DKIM private key (checked and sealed by the same code as the CLI), a bad key is refused beside its field with
nothing stored, members cannot, another workspace's account is not found, and the key is never shown again."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from outboard.db.models import SenderAccount
from outboard.send.accounts import dkim_key
from tests.web.conftest import api_token, bearer, csrf_token, sender_accounts


@cache
def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _body(pem: str) -> str:
    """The key's base64 lines, whatever the PEM form: none of them may appear in a page or an answer."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def _account(db, account_id: int) -> SenderAccount:
    with db.sessions() as session:
        account = session.get(SenderAccount, account_id)
        session.expunge(account)
        return account


def _assert_no_key(text: str, pem: str) -> None:
    assert "PRIVATE KEY-----\n" not in text
    for line in pem.splitlines()[1:-1]:
        assert line not in text


def test_an_admin_sets_a_dkim_key_from_the_page(admin_client, db, workspace_id, rt):
    email_id, linkedin_id = sender_accounts(db, workspace_id)
    listing = admin_client.get("/settings/senders").text
    assert f"/settings/senders/{email_id}/dkim" in listing and f"/settings/senders/{linkedin_id}/dkim" not in listing
    page = admin_client.get(f"/settings/senders/{email_id}/dkim").text
    assert "No key is set" in page
    for name in ("selector", "domain", "private_key_pem"):
        assert f'name="{name}"' in page
    form = {"selector": "s1", "domain": "", "private_key_pem": _pem(),
            "csrf_token": csrf_token(admin_client, "/settings/senders")}
    response = admin_client.post(f"/settings/senders/{email_id}/dkim", data=form, follow_redirects=False)
    assert response.status_code == 303
    key = dkim_key(_account(db, email_id), rt.secrets)
    assert key is not None and (key.domain, key.selector) == ("get-acme.test", "s1")
    account = _account(db, email_id)
    assert account.connection["dkim_selector"] == "s1" and account.connection["dkim_domain"] == "get-acme.test"
    assert "dkim_private_key" in account.secrets
    page = admin_client.get(f"/settings/senders/{email_id}/dkim").text
    assert "A key is set" in page and "s1._domainkey.get-acme.test" in page
    _assert_no_key(page, _pem())
    _assert_no_key(admin_client.get("/settings/senders").text, _pem())


def test_a_bad_key_is_shown_beside_its_field_keeps_the_rest_and_stores_nothing(admin_client, db, workspace_id):
    email_id, _ = sender_accounts(db, workspace_id)
    token = csrf_token(admin_client, "/settings/senders")
    bad = _pem().replace("MII", "XYZ", 1)
    response = admin_client.post(f"/settings/senders/{email_id}/dkim", data={
        "selector": "mail2026", "domain": "mail.get-acme.test", "private_key_pem": bad, "csrf_token": token})
    assert response.status_code == 422 and 'id="f-private_key_pem-error"' in response.text
    assert 'value="mail2026"' in response.text and 'value="mail.get-acme.test"' in response.text
    _assert_no_key(response.text, bad)
    response = admin_client.post(f"/settings/senders/{email_id}/dkim", data={
        "selector": "not a selector!", "private_key_pem": _pem(), "csrf_token": token})
    assert response.status_code == 422 and 'id="f-selector-error"' in response.text
    _assert_no_key(response.text, _pem())
    response = admin_client.post(f"/settings/senders/{email_id}/dkim", data={"selector": "s1", "csrf_token": token})
    assert response.status_code == 422 and 'id="f-private_key_pem-error"' in response.text
    account = _account(db, email_id)
    assert "dkim_private_key" not in account.secrets and "dkim_selector" not in account.connection


def test_a_linkedin_account_has_no_dkim_form(admin_client, db, workspace_id):
    _, linkedin_id = sender_accounts(db, workspace_id)
    page = admin_client.get(f"/settings/senders/{linkedin_id}/dkim").text
    assert "DKIM signing is for email accounts" in page and 'name="private_key_pem"' not in page
    response = admin_client.post(f"/settings/senders/{linkedin_id}/dkim", data={
        "selector": "s1", "private_key_pem": _pem(), "csrf_token": csrf_token(admin_client, "/settings/senders")})
    assert response.status_code == 422 and "DKIM signing is for email accounts" in response.text
    assert "dkim_private_key" not in _account(db, linkedin_id).secrets


def test_members_cannot_open_or_post_the_dkim_form(member_client, db, workspace_id):
    email_id, _ = sender_accounts(db, workspace_id)
    assert member_client.get(f"/settings/senders/{email_id}/dkim").status_code == 403
    token = csrf_token(member_client, "/settings/senders")
    response = member_client.post(f"/settings/senders/{email_id}/dkim",
                                  data={"selector": "s1", "private_key_pem": _pem(), "csrf_token": token})
    assert response.status_code == 403
    assert "dkim_private_key" not in _account(db, email_id).secrets


def test_another_workspace_account_is_not_found(admin_client, db, other_workspace):
    their_id, _ = sender_accounts(db, other_workspace.workspace_id)
    assert admin_client.get(f"/settings/senders/{their_id}/dkim").status_code == 404
    response = admin_client.post(f"/settings/senders/{their_id}/dkim", data={
        "selector": "s1", "private_key_pem": _pem(), "csrf_token": csrf_token(admin_client, "/settings/senders")})
    assert response.status_code == 404
    assert "dkim_private_key" not in _account(db, their_id).secrets


def test_the_api_sets_a_key_returns_no_secret_and_names_a_bad_field(client, db, workspace_id, admin, member,
                                                                      other_workspace, rt):
    email_id, linkedin_id = sender_accounts(db, workspace_id)
    headers = bearer(api_token(db, admin))
    response = client.put(f"/api/accounts/{email_id}/dkim", headers=headers,
                          json={"selector": "bad!", "private_key_pem": _pem()})
    assert response.status_code == 422 and response.json()["field"] == "selector"
    response = client.put(f"/api/accounts/{email_id}/dkim", headers=headers,
                          json={"selector": "s1", "private_key_pem": "-----BEGIN PRIVATE KEY-----\nnope\n"})
    assert response.status_code == 422 and response.json()["field"] == "private_key_pem"
    assert "dkim_private_key" not in _account(db, email_id).secrets
    response = client.put(f"/api/accounts/{linkedin_id}/dkim", headers=headers,
                          json={"selector": "s1", "private_key_pem": _pem()})
    assert response.status_code == 422
    response = client.put(f"/api/accounts/{email_id}/dkim", headers=headers,
                          json={"selector": "mail2026", "private_key_pem": _pem(), "domain": "Get-Acme.test."})
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["connection"]["dkim_selector"] == "mail2026" and out["connection"]["dkim_domain"] == "get-acme.test"
    assert "dkim_private_key" in out["secrets"]  # its name only
    _assert_no_key(response.text, _pem())
    assert dkim_key(_account(db, email_id), rt.secrets) is not None
    member_headers = bearer(api_token(db, member))
    response = client.put(f"/api/accounts/{email_id}/dkim", headers=member_headers,
                          json={"selector": "s2", "private_key_pem": _pem()})
    assert response.status_code == 403
    their_id, _ = sender_accounts(db, other_workspace.workspace_id)
    response = client.put(f"/api/accounts/{their_id}/dkim", headers=headers,
                          json={"selector": "s1", "private_key_pem": _pem()})
    assert response.status_code == 404
    assert "dkim_private_key" not in _account(db, their_id).secrets
    assert _account(db, email_id).connection["dkim_selector"] == "mail2026"
