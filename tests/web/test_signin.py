"""Signing in and out: the session cookie, wrong passwords, rate limiting, and when a session ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from outboard.db.models import User
from outboard.team.passwords import hash_password
from outboard.team.ratelimit import LoginLimiter
from outboard.web.app import create_app
from tests.web.conftest import ADMIN_EMAIL, PASSWORD, csrf_token, sign_in


def _attempt(client: TestClient, email: str, password: str, **extra: str):
    return client.post("/signin", data={"email": email, "password": password, "csrf_token": csrf_token(client),
                                        **extra}, follow_redirects=False)


def test_signing_in_sets_a_protected_cookie_and_signing_out_ends_the_session(client, admin):
    response = _attempt(client, ADMIN_EMAIL.upper(), PASSWORD, next="/leads")
    assert response.status_code == 303 and response.headers["location"] == "/leads"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("outboard_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the public URL is http in tests
    page = client.get("/leads")
    assert page.status_code == 200 and "Ada Admin (admin)" in page.text
    client.post("/signout", data={"csrf_token": csrf_token(client, "/leads")})
    assert client.get("/leads", follow_redirects=False).headers["location"] == "/signin?next=%2Fleads"


def test_a_wrong_password_is_refused_with_a_clear_message_and_the_email_kept(client, admin):
    response = _attempt(client, ADMIN_EMAIL, "not the password")
    assert response.status_code == 401
    assert "That email and password do not match an account." in response.text
    assert f'value="{ADMIN_EMAIL}"' in response.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


# The limiter does not touch the database beyond the user lookup that every other sign-in test runs on both
# databases; these two spend their time in argon2, so they run once.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_five_failures_for_one_email_lock_it_for_fifteen_minutes(client, admin, clock):
    for _ in range(5):
        assert _attempt(client, ADMIN_EMAIL, "guess").status_code == 401
    locked = _attempt(client, ADMIN_EMAIL, PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this email. Wait 15 minutes" in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    clock.advance(timedelta(minutes=15))
    assert _attempt(client, ADMIN_EMAIL, PASSWORD).status_code == 303


@SQLITE_ONLY
def test_many_failures_from_one_address_lock_that_address(client, admin, app, clock):
    app.state.login_limiter = LoginLimiter(clock, per_email=5, per_address=2)
    for n in range(2):
        assert _attempt(client, f"nobody{n}@acme.test", "guess").status_code == 401
    locked = _attempt(client, ADMIN_EMAIL, PASSWORD)
    assert locked.status_code == 429 and "your network address" in locked.text


def test_the_limiter_forgets_old_failures_and_a_success_clears_the_email(clock):
    limiter = LoginLimiter(clock, per_email=2, per_address=10)
    limiter.failed("a@x.test", "10.0.0.1")
    clock.advance(timedelta(minutes=10))
    limiter.failed("A@x.test ", "10.0.0.1")
    refusal = limiter.check("a@x.test", "10.0.0.2")
    assert refusal is not None and refusal.scope == "email" and refusal.retry_after == 300
    clock.advance(timedelta(minutes=5))
    assert limiter.check("a@x.test", "10.0.0.1") is None  # the first failure left the window
    limiter.failed("a@x.test", "10.0.0.1")
    limiter.succeeded("a@x.test")
    assert limiter.check("a@x.test", "10.0.0.1") is None


def test_a_session_ends_after_seven_days_or_a_password_change(client, admin, db, clock):
    sign_in(client)
    clock.advance(timedelta(days=6, hours=23))
    assert client.get("/leads").status_code == 200
    clock.advance(timedelta(hours=2))
    assert client.get("/leads", follow_redirects=False).status_code == 303
    sign_in(client)
    with db.transaction() as session:
        session.get(User, admin.id).password_hash = hash_password("a brand new password")
    assert client.get("/leads", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_to_another_site(client, admin):
    response = _attempt(client, ADMIN_EMAIL, PASSWORD, next="//evil.example/phish")
    assert response.headers["location"] == "/"


def test_with_an_https_public_url_the_cookie_is_secure_and_host_only(rt, admin):
    https = type(rt)(rt.settings.model_copy(update={"public_url": "https://outboard.example"}), rt.db, rt.clock)
    with TestClient(create_app(https), base_url="https://testserver") as client:
        cookie = client.get("/signin").headers["set-cookie"]
        assert cookie.startswith("__Host-outboard=") and "Secure" in cookie and "Path=/" in cookie
        assert sign_in(client).get("/leads").status_code == 200
