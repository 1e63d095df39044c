"""Drive sign-in, invitations, sessions, password changes and reset links, API tokens and the
admins' account list through the test client, with CSRF protection on as in production: every POST
carries the token its page gave."""

import json
import logging
import re
import stat
import threading
from collections import Counter
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import inspect, select, text

from resdir import accounts, create_app, store
from resdir.api.errors import ApiError
from resdir.cli import loggable
from resdir.web import auth
from tests.clock import NOW, clock_at

PASSWORD = "seven cedar lanterns"
CSRF_REFUSED = "This form could not be sent"
WRONG = "The email address or the password is not right."
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
EVIL = "https://evil.example/steal"
NEW_PASSWORD = "nine quiet harbours"
GUESSERS = 12  # concurrent wrong guesses, against the limit of 5


def _app(database, **config):
    return create_app({"DATABASE": str(database), "SECRET_KEY": "test-key", **config})


@pytest.fixture
def app(tmp_path):
    """Return an app on an empty store with one organization."""
    app = _app(tmp_path / "db.sqlite3")
    with app.app_context():
        store.init_db()
        with store.session() as session:
            session.add(store.Source(id="feed", name="Feed"))
            session.flush()
            session.add(store.Organization(id="org-a", source_id="feed", name="Alder House"))
            session.add(store.Organization(id="org-b", source_id="feed", name="Birch Hub"))
            session.commit()
    return app


def _invite(app, email: str, role: str = "staff", organization_id: str | None = "org-a") -> str:
    with app.app_context(), store.session() as session:
        token = accounts.invite(session, email, role, organization_id, None, NOW)
        session.commit()
    return token


def _csrf(client, page: str) -> str:
    response = client.get(page)
    return unescape(CSRF_FIELD.search(response.get_data(as_text=True)).group(1))


def _submit(client, page: str, data: dict, action: str | None = None, **kwargs):
    """Post a form as a browser does: with the CSRF token of the page that shows it."""
    return client.post(action or page, data={"csrf_token": _csrf(client, page), **data}, **kwargs)


def _join(app, client, email: str, role="staff", organization_id="org-a"):
    token = _invite(app, email, role, organization_id)
    form = {"name": "Ana", "password": PASSWORD, "password_again": PASSWORD}
    return _submit(client, f"/invite/{token}", form)


def _sign_in(client, email: str, password: str = PASSWORD):
    return _submit(client, "/login", {"email": email, "password": password})


@pytest.fixture
def admin(app):
    """Return a client signed in as an admin."""
    client = app.test_client()
    _join(app, client, "root@example.org", "admin", None)
    return client


@pytest.fixture
def staff(app):
    """Return a client signed in as staff of org-a."""
    client = app.test_client()
    _join(app, client, "ana@example.org")
    return client


def _audit(app) -> list[store.AuditEntry]:
    with app.app_context(), store.session() as session:
        return list(session.scalars(select(store.AuditEntry).order_by(store.AuditEntry.id)))


def _h1(response) -> str:
    return unescape(re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True)).group(1))


def test_invite_join_sign_out_and_sign_in_again(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invite", "Root@Example.org", "--admin"])
    assert result.exit_code == 0, result.output
    assert "invitation for root@example.org (admin): the link works once, for 7 days" in (
        result.output
    )
    link = result.output.split()[-1]
    assert link.startswith("http://127.0.0.1:5000/invite/")
    path = link.removeprefix("http://127.0.0.1:5000")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "You were invited as root@example.org." in page.get_data(as_text=True)
    form = {"name": "Root", "password": PASSWORD, "password_again": PASSWORD}
    joined = _submit(client, path, form)
    assert (joined.status_code, joined.headers["Location"]) == (302, "/admin")
    account = client.get("/account")
    assert "Sign out (root@example.org)" in account.get_data(as_text=True)
    out = _submit(client, "/account", {}, "/logout")
    assert (out.status_code, out.headers["Location"]) == (302, "/login?signed_out=1")
    assert "You are signed out." in client.get("/login?signed_out=1").get_data(as_text=True)
    asked = client.get("/account")
    assert (asked.status_code, asked.headers["Location"]) == (302, "/login?next=/account")
    data = {"email": "ROOT@example.org", "password": PASSWORD, "next": "/account"}
    signed_in = _submit(client, "/login?next=/account", data)
    assert (signed_in.status_code, signed_in.headers["Location"]) == (302, "/account")
    assert client.get("/account").status_code == 200
    assert [(e.action, e.actor) for e in _audit(app)] == [
        ("invite", "system"),
        ("join", "root@example.org"),
        ("sign_in", "root@example.org"),
        ("sign_out", "root@example.org"),
        ("sign_in", "root@example.org"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ana@example.org"], "give either --admin or --organization ORG_ID"),
        (["ana@example.org", "--admin", "--organization", "org-a"], "give either --admin"),
        (["ana@example.org", "--organization", "org-zz"], "Choose the organization"),
        (["ana", "--admin"], "Enter an email address such as name@example.org."),
    ],
)
def test_the_invite_command_says_what_is_wrong(app, args, message):
    result = app.test_cli_runner().invoke(args=["invite", *args])
    assert result.exit_code != 0 and message in result.output
    assert _audit(app) == []


def test_the_invite_command_invites_staff_of_an_organization(app):
    result = app.test_cli_runner().invoke(
        args=[
            "invite",
            "ana@example.org",
            "--organization",
            "org-b",
            "--base-url",
            "https://x.org/",
        ]
    )
    link = result.output.split()[-1]
    assert link.startswith("https://x.org/invite/")
    client = app.test_client()
    form = {"name": "Ana", "password": PASSWORD, "password_again": PASSWORD}
    joined = _submit(client, link.removeprefix("https://x.org"), form)
    assert joined.headers["Location"] == "/agency"
    body = client.get("/account").get_data(as_text=True)
    assert "Agency staff: Birch Hub" in body


def test_sign_in_goes_back_to_the_page_that_asked(app, staff):
    _submit(staff, "/account", {}, "/logout")
    asked = staff.get("/admin/accounts")
    assert asked.headers["Location"] == "/login?next=/admin/accounts"
    page = staff.get(asked.headers["Location"]).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/admin/accounts">' in page
    data = {"email": "ana@example.org", "password": PASSWORD, "next": "/account?tab=tokens"}
    back = _submit(staff, "/login", data)
    assert back.headers["Location"] == "/account?tab=tokens"


@pytest.mark.parametrize(
    "target", [EVIL, "//evil.example/steal", "/\\evil.example", "/\t/evil.example", "javascript:x"]
)
def test_next_never_leads_to_another_site(app, staff, target):
    _submit(staff, "/account", {}, "/logout")
    data = {"email": "ana@example.org", "password": PASSWORD, "next": target}
    response = _submit(staff, f"/login?next={target}", data)
    assert (response.status_code, response.headers["Location"]) == (302, "/agency")
    assert auth.local_path(target) is None
    # Already signed in, the sign-in page sends the person on, still never elsewhere.
    assert staff.get("/login", query_string={"next": target}).headers["Location"] == "/agency"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(app, staff):
    _submit(staff, "/account", {}, "/logout")
    wrong = _sign_in(staff, "ana@example.org", "not the password")
    unknown = _sign_in(staff, "nobody@example.org", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert f'<p class="error" id="password-error">{WRONG}</p>' in body
        assert 'aria-invalid="true"' in body
    assert staff.get("/account").status_code == 302
    refused = [e for e in _audit(app) if e.action == "sign_in_refused"]
    assert [(e.actor, e.detail["reason"]) for e in refused] == [
        ("ana@example.org", "wrong_password"),
        ("nobody@example.org", "unknown_account"),
    ]


def test_an_expired_or_used_invitation_is_refused(app):
    with app.app_context(), store.session() as session:
        past = NOW - timedelta(days=8)
        expired = accounts.invite(session, "old@example.org", "staff", "org-a", None, past)
        session.commit()
    client = app.test_client()
    response = client.get(f"/invite/{expired}")
    assert response.status_code == 404
    assert "This invitation has expired" in response.get_data(as_text=True)
    token = _invite(app, "ana@example.org")
    form = {"name": "Ana", "password": PASSWORD, "password_again": PASSWORD}
    assert _submit(client, f"/invite/{token}", form).status_code == 302
    other = app.test_client()
    again = other.get(f"/invite/{token}")
    assert again.status_code == 404
    assert "This invitation was used already" in again.get_data(as_text=True)
    assert other.get("/invite/not-a-token").status_code == 404


def test_joining_names_each_bad_field(app):
    token = _invite(app, "ana@example.org")
    client = app.test_client()
    short = {"name": "", "password": "too short", "password_again": "too short"}
    response = _submit(client, f"/invite/{token}", short)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="name-error">Enter your name.</p>' in body
    differ = {"name": "Ana", "password": PASSWORD, "password_again": PASSWORD + "!"}
    body = _submit(client, f"/invite/{token}", differ).get_data(as_text=True)
    assert "The two passwords are not the same." in body
    short["name"] = "Ana"
    body = _submit(client, f"/invite/{token}", short).get_data(as_text=True)
    assert "Use at least 12 characters." in body
    assert "At least 12 characters." in body  # the hint beside the field
    assert client.get("/account").status_code == 302  # not joined, not signed in


def test_the_sixth_failed_sign_in_is_refused_across_two_app_instances(app, tmp_path, staff):
    _submit(staff, "/account", {}, "/logout")
    other = _app(tmp_path / "db.sqlite3").test_client()  # a second worker on the same store
    for client in (staff, other, staff, other, staff):
        assert _sign_in(client, "ana@example.org", "not the password").status_code == 422
    refused = _sign_in(other, "ana@example.org", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 900  # the clock stands still: a whole window
    assert "Too many failed sign-ins. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert other.get("/account").status_code == 302
    # Fifteen minutes on, the window has passed.
    with clock_at(app, NOW + timedelta(minutes=15)):
        assert _sign_in(staff, "ana@example.org").status_code == 302


def _guesser(app, address: str):
    """Return a client from `address` holding the sign-in page's CSRF token."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, _csrf(client, "/login")


def test_concurrent_wrong_guesses_get_no_more_checks_than_the_limit(app, staff):
    _submit(staff, "/account", {}, "/logout")
    guessers = [_guesser(app, "203.0.113.66") for _ in range(GUESSERS)]
    start = threading.Barrier(GUESSERS)
    statuses = Counter()
    lock = threading.Lock()

    def guess(client, token: str, n: int) -> None:
        form = {"csrf_token": token, "email": "ana@example.org", "password": f"guess {n}"}
        start.wait()
        status = client.post("/login", data=form).status_code
        with lock:
            statuses[status] += 1

    threads = [
        threading.Thread(target=guess, args=(client, token, n))
        for n, (client, token) in enumerate(guessers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {422: 5, 429: GUESSERS - 5}
    reasons = Counter(e.detail["reason"] for e in _audit(app) if e.action == "sign_in_refused")
    assert reasons == {"wrong_password": 5, "rate_limited": GUESSERS - 5}
    # The owner, from another address, signs in all the same.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert _sign_in(owner, "ana@example.org").headers["Location"] == "/agency"
    assert owner.get("/account").status_code == 200


def test_one_person_typing_wrong_does_not_lock_out_the_others_behind_the_address(app, staff):
    _submit(staff, "/account", {}, "/logout")
    bo = app.test_client()
    _join(app, bo, "bo@example.org", "staff", "org-b")
    _submit(bo, "/account", {}, "/logout")
    for _n in range(6):
        _sign_in(staff, "ana@example.org", "not the password")
    assert _sign_in(staff, "ana@example.org").status_code == 429
    assert _sign_in(bo, "bo@example.org").status_code == 302


def test_a_session_cookie_replayed_after_sign_out_is_signed_out(app, staff):
    copy = staff.get_cookie("session").value
    assert _submit(staff, "/account", {}, "/logout").status_code == 302
    replayed = app.test_client()
    replayed.set_cookie("session", copy)
    asked = replayed.get("/account")
    assert (asked.status_code, asked.headers["Location"]) == (302, "/login?next=/account")
    assert replayed.get("/agency").status_code == 302
    with app.app_context(), store.session() as session:
        [row] = session.scalars(select(store.SignIn)).all()
    assert row.ended_at is not None and copy not in row.id_hash


def test_a_session_expires_on_the_apps_clock(app, staff):
    assert staff.get("/account").status_code == 200
    with clock_at(app, NOW + app.permanent_session_lifetime):
        assert staff.get("/account").status_code == 302


def _change_password(client, current: str, new: str, again: str | None = None):
    form = {"current_password": current, "password": new, "password_again": again or new}
    return _submit(client, "/account", form, "/account/password")


def test_changing_the_password_signs_out_every_other_session(app, staff):
    elsewhere = app.test_client()
    assert _sign_in(elsewhere, "ana@example.org").status_code == 302
    copy = app.test_client()  # the same session as `staff`, in another cookie jar
    copy.set_cookie("session", staff.get_cookie("session").value)
    page = staff.get("/account").get_data(as_text=True)
    assert 'action="/account/password"' in page and 'autocomplete="current-password"' in page
    wrong = _change_password(staff, "not the password", NEW_PASSWORD)
    assert wrong.status_code == 422
    assert "This is not your current password." in wrong.get_data(as_text=True)
    differ = _change_password(staff, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "The two passwords are not the same." in differ.get_data(as_text=True)
    assert elsewhere.get("/account").status_code == 200  # nothing changed yet
    changed = _change_password(staff, PASSWORD, NEW_PASSWORD)
    assert changed.headers["Location"] == "/account?password_changed=1#change-password"
    body = staff.get(changed.headers["Location"]).get_data(as_text=True)
    assert "Your password is changed." in body
    assert "1 other browser signed in to your account was signed out." in body
    assert staff.get("/account").status_code == 200 and copy.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert _sign_in(elsewhere, "ana@example.org").status_code == 422
    assert _sign_in(elsewhere, "ana@example.org", NEW_PASSWORD).status_code == 302
    actions = [e.action for e in _audit(app) if e.action.startswith("password")]
    assert actions == ["password_change_refused", "password_changed"]


def _reset_link(admin, account_id: int):
    response = _submit(admin, "/admin/accounts", {}, f"/admin/accounts/{account_id}/reset")
    body = response.get_data(as_text=True)
    found = re.search(r'id="reset-link" class="secret" value="([^"]+)"', body)
    return response, found.group(1).removeprefix("http://localhost") if found else None


def test_an_admin_reset_link_is_shown_once_works_once_and_ends_every_session(app, admin, staff):
    with app.app_context(), store.session() as session:
        ana = accounts.account_by_email(session, "ana@example.org")
    other = app.test_client()
    assert _sign_in(other, "ana@example.org").status_code == 302
    response, path = _reset_link(admin, ana.id)
    assert response.status_code == 201
    assert "Password reset link for ana@example.org" in response.get_data(as_text=True)
    assert path.startswith("/reset/")
    token = path.removeprefix("/reset/")
    listed = admin.get("/admin/accounts").get_data(as_text=True)
    assert token not in listed and "Reset link open until 2026-12-04 18:00 (UTC)" in listed
    with app.app_context(), store.engine().connect() as connection:
        for table in inspect(connection).get_table_names():
            for values in connection.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(token in str(value) for value in values), table
    assert staff.get("/account").status_code == 200  # issuing alone ends nothing
    holder = app.test_client()
    page = holder.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "For ana@example.org." in page.get_data(as_text=True)
    form = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"}
    assert _submit(holder, path, form).status_code == 422
    form["password_again"] = NEW_PASSWORD
    done = _submit(holder, path, form)
    assert (done.status_code, done.headers["Location"]) == (302, "/agency")
    assert holder.get("/account").status_code == 200
    assert staff.get("/account").status_code == 302 and other.get("/account").status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 404
    assert "This reset link was used already" in again.get_data(as_text=True)
    assert _sign_in(other, "ana@example.org").status_code == 422
    assert _sign_in(other, "ana@example.org", NEW_PASSWORD).status_code == 302
    entries = [(e.action, e.actor) for e in _audit(app) if "reset" in e.action]
    assert entries == [("reset_issued", "root@example.org"), ("password_reset", "ana@example.org")]


def test_a_reset_link_expires_and_is_only_for_others_accounts(app, admin, staff):
    with app.app_context(), store.session() as session:
        ana = accounts.account_by_email(session, "ana@example.org")
        root = accounts.account_by_email(session, "root@example.org")
    _response, path = _reset_link(admin, ana.id)
    with clock_at(app, NOW + timedelta(hours=app.config["PASSWORD_RESET_HOURS"])):
        expired = app.test_client().get(path)
    assert expired.status_code == 404
    assert "This reset link has expired" in expired.get_data(as_text=True)
    own, _path = _reset_link(admin, root.id)
    assert own.status_code == 422
    assert "Change your own password on your account page." in own.get_data(as_text=True)
    assert _reset_link(admin, 999)[0].status_code == 404
    refused = _submit(staff, "/account", {}, f"/admin/accounts/{root.id}/reset")
    assert refused.status_code == 403
    assert app.test_client().get("/reset/not-a-token").status_code == 404


def test_the_invite_command_prints_a_reset_link(app, staff):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invite", "Ana@Example.org", "--reset"])
    assert result.exit_code == 0, result.output
    assert "password reset for ana@example.org: the link works once, for 24 hours" in (
        result.output
    )
    link = result.output.split()[-1]
    assert link.startswith("http://127.0.0.1:5000/reset/")
    holder = app.test_client()
    form = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert _submit(holder, link.removeprefix("http://127.0.0.1:5000"), form).status_code == 302
    assert staff.get("/account").status_code == 302
    [issued] = [e for e in _audit(app) if e.action == "reset_issued"]
    assert issued.actor == "system"
    usage = runner.invoke(args=["invite", "ana@example.org", "--reset", "--admin"])
    assert usage.exit_code != 0 and "--reset takes neither" in usage.output
    unknown = runner.invoke(args=["invite", "nobody@example.org", "--reset"])
    assert unknown.exit_code != 0 and "no account has the email" in unknown.output


def test_forms_without_the_csrf_token_are_refused(app, admin, staff):
    with app.app_context(), store.session() as session:
        ana = session.scalar(select(store.Account).where(store.Account.email == "ana@example.org"))
        row, _token = accounts.create_token(session, ana, "sync", NOW)
        session.commit()
    token = _invite(app, "ivy@example.org")
    with app.app_context(), store.session() as session:
        reset = accounts.issue_reset(session, ana, None, NOW)
        session.commit()
    anonymous = app.test_client()
    new = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    posts = [
        (anonymous, "/login", {"email": "ana@example.org", "password": PASSWORD}),
        (anonymous, f"/invite/{token}", {"name": "I", "password": PASSWORD * 2}),
        (anonymous, f"/reset/{reset}", new),
        (staff, "/account", {"name": "another"}),
        (staff, "/account/password", {"current_password": PASSWORD, **new}),
        (staff, f"/account/tokens/{row.id}/revoke", {}),
        (admin, "/admin/accounts", {"email": "x@example.org", "role": "admin"}),
        (admin, f"/admin/accounts/{ana.id}", {"change": "deactivate"}),
        (admin, f"/admin/accounts/{ana.id}/reset", {}),
        (staff, "/logout", {}),
    ]
    for client, path, data in posts:
        for token_value in (None, "forged"):
            form = data if token_value is None else {**data, "csrf_token": token_value}
            response = client.post(path, data=form)
            assert response.status_code == 400, path
            assert _h1(response) == CSRF_REFUSED
            assert response.mimetype == "text/html"
    # Nothing changed: still one token, not revoked; Ana active and signed in; no new invitation.
    with app.app_context(), store.session() as session:
        [kept] = session.scalars(select(store.ApiToken)).all()
        assert kept.revoked_at is None
        assert session.get(store.Account, ana.id).active
        emails = set(session.scalars(select(store.Invitation.email)))
        assert emails == {"root@example.org", "ana@example.org", "ivy@example.org"}
        assert session.scalars(select(store.PasswordReset.used_at)).all() == [None]
    assert staff.get("/account").status_code == 200
    assert _sign_in(anonymous, "ana@example.org").status_code == 302  # the password is as it was


def test_the_public_forms_need_no_csrf_token(app):
    # They change nothing on the server and their visitors have no session.
    client = app.test_client()
    assert _h1(client.post("/search", data={"near": "94110"})) == "Places that fit"
    assert client.post("/peer", data={"near": "94110"}).status_code == 200
    assert client.get("/").headers.get("Set-Cookie") is None


def test_a_new_token_is_shown_once_and_stored_hashed(app, staff):
    response = _submit(staff, "/account", {"name": "Nightly bed count"})
    assert response.status_code == 201
    body = response.get_data(as_text=True)
    token = re.search(r'id="new-token" class="secret" value="([^"]+)"', body).group(1)
    assert "Copy it now: it is shown only this once." in body
    later = staff.get("/account").get_data(as_text=True)
    assert token not in later and "Nightly bed count" in later and token[:8] in later
    with app.app_context(), store.engine().connect() as connection:
        for table in inspect(connection).get_table_names():
            for values in connection.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(token in str(value) for value in values), table
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        assert auth.api_account().email == "ana@example.org"


def test_a_revoked_token_is_refused(app, staff):
    body = _submit(staff, "/account", {"name": "sync"}).get_data(as_text=True)
    token = re.search(r'id="new-token" class="secret" value="([^"]+)"', body).group(1)
    token_id = re.search(r'id="token-(\d+)"', body).group(1)
    revoked = _submit(staff, "/account", {}, f"/account/tokens/{token_id}/revoke")
    assert revoked.headers["Location"] == f"/account#token-{token_id}"
    assert "Revoked " in staff.get("/account").get_data(as_text=True)
    with (
        app.test_request_context(headers={"Authorization": f"Bearer {token}"}),
        pytest.raises(ApiError) as refused,
    ):
        auth.api_account()
    assert (refused.value.status, refused.value.code) == (401, "invalid_token")
    with app.test_request_context(), pytest.raises(ApiError) as missing:
        auth.api_account()
    assert (missing.value.status, missing.value.code) == (401, "unauthorized")


def test_a_token_of_someone_else_cannot_be_revoked(app, staff):
    other = app.test_client()
    _join(app, other, "bo@example.org", "staff", "org-b")
    body = _submit(other, "/account", {"name": "bo's"}).get_data(as_text=True)
    token_id = re.search(r'id="token-(\d+)"', body).group(1)
    response = _submit(staff, "/account", {}, f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert "There is no such token." in response.get_data(as_text=True)


def test_the_account_list_is_for_admins_only(app, admin, staff):
    anonymous = app.test_client().get("/admin/accounts")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (
        302,
        "/login?next=/admin/accounts",
    )
    refused = staff.get("/admin/accounts")
    assert refused.status_code == 403
    assert _h1(refused) == "You cannot open this page"
    assert _submit(staff, "/account", {"change": "verify"}, "/admin/accounts/1").status_code == 403
    page = admin.get("/admin/accounts")
    assert page.status_code == 200
    assert "ana@example.org" in page.get_data(as_text=True)


def test_an_admin_invites_staff_by_organization_name_and_manages_them(app, admin):
    several = _submit(
        admin, "/admin/accounts", {"email": "Ivy@Example.org", "role": "staff", "organization": "h"}
    )
    assert several.status_code == 422
    body = several.get_data(as_text=True)
    assert "Several organizations match: choose one." in body
    assert body.count('name="organization_id"') == 2
    data = {"email": "Ivy@Example.org", "role": "staff", "organization": "alder"}
    invited = _submit(admin, "/admin/accounts", data)
    assert invited.status_code == 201
    body = invited.get_data(as_text=True)
    link = re.search(r'id="invite-link" class="secret" value="([^"]+)"', body).group(1)
    assert "Invitation for ivy@example.org" in body
    ivy = app.test_client()
    form = {"name": "Ivy", "password": PASSWORD, "password_again": PASSWORD}
    assert _submit(ivy, link.removeprefix("http://localhost"), form).status_code == 302
    with app.app_context(), store.session() as session:
        account = session.scalar(
            select(store.Account).where(store.Account.email == "ivy@example.org")
        )
    assert (account.role, account.organization_id) == ("staff", "org-a")
    for change in ("verify", "deactivate"):
        done = _submit(
            admin, "/admin/accounts", {"change": change}, f"/admin/accounts/{account.id}"
        )
        assert done.headers["Location"] == f"/admin/accounts#account-{account.id}"
    # Turned off: the open session ends at once, and signing in is refused.
    assert ivy.get("/account").status_code == 302
    response = _sign_in(ivy, "ivy@example.org")
    assert "This account has been turned off" in response.get_data(as_text=True)
    changes = [e.detail for e in _audit(app) if e.action == "account_changed"]
    assert changes == [{"verified": True}, {"active": False}]


def test_the_audit_log_names_each_action_and_holds_no_secret(app, admin, caplog):
    caplog.set_level(logging.DEBUG)
    staff = app.test_client()
    data = {"email": "ana@example.org", "role": "staff", "organization": "org-a"}
    invited = _submit(admin, "/admin/accounts", data).get_data(as_text=True)
    link = re.search(r'id="invite-link" class="secret" value="([^"]+)"', invited)
    invitation = link.group(1).rsplit("/", 1)[-1]
    form = {"name": "Ana", "password": PASSWORD, "password_again": PASSWORD}
    _submit(staff, f"/invite/{invitation}", form)
    body = _submit(staff, "/account", {"name": "sync"}).get_data(as_text=True)
    token = re.search(r'id="new-token" class="secret" value="([^"]+)"', body).group(1)
    token_id = re.search(r'id="token-(\d+)"', body).group(1)
    _submit(staff, "/account", {}, f"/account/tokens/{token_id}/revoke")
    _submit(staff, "/account", {}, "/logout")
    _sign_in(staff, "ana@example.org", "a wrong password here")
    _sign_in(staff, "ana@example.org")
    entries = _audit(app)
    actions = {(e.action, e.actor, e.target) for e in entries}
    assert {
        ("invite", "root@example.org", "account:ana@example.org"),
        ("join", "ana@example.org", "account:ana@example.org"),
        ("token_created", "ana@example.org", f"token:{token_id}"),
        ("token_revoked", "ana@example.org", f"token:{token_id}"),
        ("sign_out", "ana@example.org", "account:ana@example.org"),
        ("sign_in_refused", "ana@example.org", "account:ana@example.org"),
        ("sign_in", "ana@example.org", "account:ana@example.org"),
    } <= actions
    assert all(e.remote_addr == "127.0.0.1" for e in entries if e.actor != "system")
    written = json.dumps([[e.actor, e.action, e.target, e.detail] for e in entries])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (PASSWORD, "a wrong password here", token, invitation):
        assert secret not in written and secret not in logged


def test_the_development_server_logs_no_invitation_or_reset_token():
    line = '"GET /invite/AbC-123_x?next=/a HTTP/1.1" 200 -'
    assert loggable(line) == '"GET /invite/[token] HTTP/1.1" 200 -'
    assert loggable('"POST /reset/AbC-123_x HTTP/1.1" 302 -') == (
        '"POST /reset/[token] HTTP/1.1" 302 -'
    )


def test_a_session_is_bound_to_its_browser_and_never_remembered(app, tmp_path):
    client = app.test_client()
    joined = _join(app, client, "ana@example.org")
    cookie = joined.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("remember_token") is None
    assert client.get("/account").status_code == 200
    # The same cookie from another browser is not signed in ("strong" session protection).
    moved = client.get("/account", headers={"User-Agent": "Another/1.0"})
    assert moved.status_code == 302
    assert client.get("/logout").status_code == 405  # signing out changes state: POST only


def test_the_secret_key_is_made_once_private_and_shared_by_every_app(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    config = {"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY_FILE": str(key_file)}
    first = create_app(config)
    with first.app_context():
        store.init_db()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    made = key_file.read_text()
    second = create_app(config)
    assert first.secret_key == second.secret_key == made.strip()
    assert len(made.strip()) == 64 and key_file.read_text() == made
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]
    # A session signed by one process is good in the other (a restart, another worker).
    client = first.test_client()
    _join(first, client, "root@example.org", "admin", None)
    cookie = client.get_cookie("session")
    other = second.test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/account").status_code == 200
