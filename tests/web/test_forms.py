"""Bad input in every form: a clear message beside the field, and the rest of the form kept."""

from __future__ import annotations

import html
import re

from tests.web.conftest import csrf_token

# path, what was typed, the field that gets the message, words of the message, a kept value
CASES = [
    ("/settings/team/invitations", {"email": "not-an-address", "role": "admin"}, "email",
     "Is not an email address", 'value="admin" selected'),
    ("/settings/usage/budget", {"budget": "lots"}, "budget", "Must be a whole number of credits", 'value="lots"'),
    ("/settings/usage/budget", {"budget": "-5"}, "budget", "Must be a whole number of credits", 'value="-5"'),
    ("/settings/compliance/blocklist", {"value": "not a domain", "note": "rival"}, "value",
     "is not a domain name", 'value="rival"'),
    ("/settings/compliance/blocklist", {"value": "", "note": "customer"}, "value",
     "Enter an email address or a domain", 'value="customer"'),
    ("/settings/compliance/footer", {"postal_address": "", "opt_out_sentence": "Reply stop to opt out."},
     "postal_address", "Every email must carry a postal address", 'value="Reply stop to opt out."'),
    ("/settings/compliance/footer", {"postal_address": "1 Main St, Springfield", "opt_out_sentence": " "},
     "opt_out_sentence", "Every email must say how to opt out", "1 Main St, Springfield</textarea>"),
    ("/settings/tokens", {"name": "   "}, "name", "Give the token a name", None),
]


def _error_beside(page: str, name: str) -> str:
    field = re.search(rf'<(?:input|textarea|select) id="f-{name}"[^>]*>', page)
    assert field, f"no field {name}"
    assert 'aria-invalid="true"' in field.group(0) and f"f-{name}-error" in field.group(0)
    message = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', page, re.S)
    assert message, f"no message beside {name}"
    return html.unescape(message.group(1))


def test_a_bad_value_gets_a_message_beside_its_field_and_keeps_the_rest(admin_client):
    token = csrf_token(admin_client, "/leads")
    for path, data, field, words, kept in CASES:
        response = admin_client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 422, (path, data)
        assert words in _error_beside(response.text, field), (path, data)
        assert kept is None or kept in response.text, (path, data)


def test_sign_in_and_invitation_forms_keep_what_was_typed(client, admin, admin_client, app):
    from fastapi.testclient import TestClient

    with TestClient(app) as visitor:
        empty = visitor.post("/signin", data={"email": "ada@acme.test", "password": "",
                                              "csrf_token": csrf_token(visitor)})
        assert empty.status_code == 422 and "Enter your password." in _error_beside(empty.text, "password")
        assert 'value="ada@acme.test"' in empty.text

    page = admin_client.post("/settings/team/invitations", data={"email": "new@acme.test", "role": "member",
                                                                "csrf_token": csrf_token(admin_client, "/leads")})
    link = re.search(r'value="http://127\.0\.0\.1:8000(/invite/[\w-]+)"', page.text).group(1)
    with TestClient(app) as invitee:
        form = {"name": "Nia New", "csrf_token": csrf_token(invitee, link)}
        short = invitee.post(link, data={**form, "password": "short", "password_again": "short"})
        assert short.status_code == 422 and "At least 10 characters" in short.text
        assert "Must be at least 10 characters." in _error_beside(short.text, "password")
        assert 'value="Nia New"' in short.text
        mismatch = invitee.post(link, data={**form, "password": "long enough one", "password_again": "other one!!"})
        assert "The two passwords are not the same." in _error_beside(mismatch.text, "password_again")
