"""Test accounts on a real SQLite store: invitations, passwords and reset links, the sign-in
limit, sessions, API tokens, roles and the audit log."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, select, text

from resdir import accounts, create_app, store
from resdir.accounts import AccountError, TooManyAttempts

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PASSWORD = "seven cedar lanterns"
ADDRESS = "203.0.113.7"


@pytest.fixture
def app(tmp_path):
    """Return an app on an empty store holding two organizations of one source."""
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "test"})
    with app.app_context():
        store.init_db()
        with store.session() as session:
            session.add(store.Source(id="feed", name="Feed"))
            session.flush()
            session.add_all(
                [
                    store.Organization(id="org-a", source_id="feed", name="Alder House"),
                    store.Organization(id="org-b", source_id="feed", name="Birch Recovery Hub"),
                    store.Organization(id="org-c", source_id="feed", name="Alder House Annex"),
                    store.Organization(id="org-d", source_id="feed", name="100% Sober Rides"),
                ]
            )
            session.commit()
        yield app


@pytest.fixture
def db(app):
    """Return a session on the app's store."""
    with store.session() as session:
        yield session


@pytest.fixture
def make_account(db):
    """Return a function inviting and joining an account, returning it."""

    def make(email="ana@example.org", role="staff", organization_id="org-a", password=PASSWORD):
        token = accounts.invite(db, email, role, organization_id, None, NOW)
        account = accounts.accept_invitation(db, token, "Ana", password, NOW)
        db.commit()
        return account

    return make


def _audit(db, action: str | None = None) -> list[store.AuditEntry]:
    query = select(store.AuditEntry).order_by(store.AuditEntry.id)
    if action:
        query = query.where(store.AuditEntry.action == action)
    return list(db.scalars(query))


def test_an_invitation_keeps_only_the_hash_of_its_token_and_expires(app, db):
    token = accounts.invite(db, "  Ana@Example.ORG ", "staff", "org-a", None, NOW)
    db.commit()
    invitation = db.scalar(select(store.Invitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert invitation.email == "ana@example.org"
    assert invitation.expires_at == (NOW + timedelta(days=7)).replace(tzinfo=None)
    account = db.scalar(select(store.Account))
    assert (account.email, account.role, account.organization_id) == (
        "ana@example.org",
        "staff",
        "org-a",
    )
    assert account.password_hash is None
    [entry] = _audit(db, "invite")
    assert (entry.actor, entry.target, entry.detail) == (
        "system",
        "account:ana@example.org",
        {"role": "staff", "organization_id": "org-a"},
    )


def test_joining_sets_an_argon2id_hash_and_uses_the_link_up(db):
    token = accounts.invite(db, "ana@example.org", "staff", "org-a", None, NOW)
    account = accounts.accept_invitation(db, token, " Ana Ruiz ", PASSWORD, NOW, ADDRESS)
    db.commit()
    assert account.name == "Ana Ruiz"
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    with pytest.raises(AccountError, match="used already") as refused:
        accounts.accept_invitation(db, token, "Eve", "another long password", NOW)
    assert refused.value.field == "token"
    [join] = _audit(db, "join")
    assert (join.actor, join.remote_addr) == ("ana@example.org", ADDRESS)


def test_an_expired_invitation_is_refused(app, db):
    token = accounts.invite(db, "ana@example.org", "staff", "org-a", None, NOW)
    later = NOW + timedelta(days=app.config["INVITATION_DAYS"], seconds=1)
    with pytest.raises(AccountError, match="expired"):
        accounts.accept_invitation(db, token, "Ana", PASSWORD, later)
    assert accounts.invitation_for(db, token, later - timedelta(seconds=2)).email == (
        "ana@example.org"
    )


def test_a_new_invitation_replaces_the_earlier_link(db):
    first = accounts.invite(db, "ana@example.org", "staff", "org-a", None, NOW)
    second = accounts.invite(db, "ana@example.org", "staff", "org-b", None, NOW)
    with pytest.raises(AccountError, match="expired"):
        accounts.invitation_for(db, first, NOW)
    account = accounts.accept_invitation(db, second, "Ana", PASSWORD, NOW)
    assert account.organization_id == "org-b"


@pytest.mark.parametrize(
    ("email", "role", "organization", "field"),
    [
        ("", "staff", "org-a", "email"),
        ("ana.example.org", "staff", "org-a", "email"),
        ("ana@example.org", "owner", "org-a", "role"),
        ("ana@example.org", "staff", None, "organization"),
        ("ana@example.org", "staff", "org-zz", "organization"),
    ],
)
def test_an_invitation_names_what_is_wrong(db, email, role, organization, field):
    with pytest.raises(AccountError) as refused:
        accounts.invite(db, email, role, organization, None, NOW)
    assert refused.value.field == field


def test_an_admin_invitation_has_no_organization_and_staff_cannot_invite(db, make_account):
    staff = make_account()
    token = accounts.invite(db, "root@example.org", "admin", "org-a", None, NOW)
    admin = accounts.accept_invitation(db, token, "Root", PASSWORD, NOW)
    assert (admin.role, admin.organization_id) == ("admin", None)
    with pytest.raises(AccountError, match="Only an administrator"):
        accounts.invite(db, "eve@example.org", "staff", "org-a", staff, NOW)
    with pytest.raises(AccountError, match="already has an account"):
        accounts.invite(db, "ANA@example.org", "staff", "org-a", admin, NOW)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("eleven char", "at least 12"),
        ("x" * 1025, "at most 1024"),
        ("ana@example.org", "other than your email"),
    ],
)
def test_a_password_must_be_long_and_not_the_email(db, password, message):
    token = accounts.invite(db, "ana@example.org", "staff", "org-a", None, NOW)
    with pytest.raises(AccountError, match=message) as refused:
        accounts.accept_invitation(db, token, "Ana", password, NOW)
    assert refused.value.field == "password"
    assert accounts.accept_invitation(db, token, "Ana", "twelve chars", NOW).password_hash


def test_sign_in_takes_the_email_in_any_case_and_audits_it(db, make_account):
    make_account()
    account = accounts.authenticate(db, " ANA@Example.org", PASSWORD, ADDRESS, NOW)
    db.commit()
    assert account.email == "ana@example.org"
    [entry] = _audit(db, "sign_in")
    assert (entry.actor, entry.target, entry.remote_addr) == (
        "ana@example.org",
        "account:ana@example.org",
        ADDRESS,
    )


class CountingHasher(PasswordHasher):
    """The real hasher, counting the hashes it checks."""

    verified = 0

    def verify(self, hash, password):
        """Check a password, counting the call."""
        CountingHasher.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("ana@example.org", "not the password", "wrong_password"),
        ("nobody@example.org", PASSWORD, "unknown_account"),
        ("ivy@example.org", PASSWORD, "not_joined"),
    ],
)
def test_every_refused_sign_in_spends_one_hash_and_says_the_same(
    db, make_account, monkeypatch, email, password, reason
):
    make_account()
    accounts.invite(db, "ivy@example.org", "staff", "org-a", None, NOW)
    monkeypatch.setattr(accounts, "HASHER", CountingHasher())
    CountingHasher.verified = 0
    with pytest.raises(AccountError) as refused:
        accounts.authenticate(db, email, password, ADDRESS, NOW)
    assert refused.value.message == "The email address or the password is not right."
    assert CountingHasher.verified == 1
    [entry] = _audit(db, "sign_in_refused")
    assert entry.detail == {"reason": reason}
    assert entry.target == f"account:{email}"


def test_a_turned_off_account_cannot_sign_in(db, make_account):
    make_account()
    admin = make_account("root@example.org", "admin", None)
    staff = db.scalar(select(store.Account).where(store.Account.email == "ana@example.org"))
    accounts.change_account(db, staff.id, admin, NOW, active=False)
    with pytest.raises(AccountError, match="turned off"):
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)


def test_a_hash_made_with_older_parameters_is_remade_at_sign_in(db, make_account):
    account = make_account()
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    db.get(store.Account, account.id).password_hash = weak.hash(PASSWORD)
    db.commit()
    accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)
    db.commit()
    remade = db.get(store.Account, account.id).password_hash
    assert remade.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not accounts.HASHER.check_needs_rehash(remade)


def _fail(db, email: str, address: str, now: datetime) -> None:
    with pytest.raises(AccountError):
        accounts.authenticate(db, email, "not the password", address, now)
    db.commit()


def test_the_sixth_attempt_within_the_window_is_refused_even_with_the_password(
    app, db, make_account
):
    make_account()
    for minute in range(5):
        _fail(db, "ana@example.org", ADDRESS, NOW + timedelta(minutes=minute))
    at = NOW + timedelta(minutes=5)
    with pytest.raises(TooManyAttempts) as refused:
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, at)
    db.commit()
    # The window opened with the first attempt, at NOW: it ends ten minutes after `at`.
    assert refused.value.retry_after == 600
    assert refused.value.message == "Too many failed sign-ins. Try again in 10 minutes."
    assert refused.value.field == "email"
    assert _audit(db, "sign_in_refused")[-1].detail == {"reason": "rate_limited"}
    # Knocking while blocked does not extend the block.
    later = NOW + timedelta(minutes=15, seconds=1)
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, later).id


def test_guesses_from_elsewhere_never_lock_the_owner_out(db, make_account):
    make_account()
    for _n in range(10):
        _fail(db, "ana@example.org", ADDRESS, NOW)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)
    db.commit()
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, "192.0.2.1", NOW).id
    # Five wrong and five refused: the limit checked no more hashes than it allows.
    reasons = [e.detail["reason"] for e in _audit(db, "sign_in_refused")]
    assert reasons == ["wrong_password"] * 5 + ["rate_limited"] * 6


def test_guesses_at_other_emails_do_not_lock_out_the_accounts_behind_one_address(db, make_account):
    make_account()
    for n in range(5):
        _fail(db, f"guess{n}@example.org", ADDRESS, NOW)
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW).id


def test_one_ipv6_network_counts_as_one_address(db, make_account):
    make_account()
    for host in range(5):
        _fail(db, "ana@example.org", f"2001:db8:1:2::{host + 1}", NOW)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, "ana@example.org", PASSWORD, "2001:db8:1:2:ffff::9", NOW)
    db.commit()
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, "2001:db8:1:3::1", NOW).id


def test_a_successful_sign_in_starts_the_count_afresh(db, make_account):
    make_account()
    for _round in range(3):
        for _n in range(4):
            _fail(db, "ana@example.org", ADDRESS, NOW)
        assert accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW).id
        db.commit()
    assert db.scalars(select(store.RateCounter)).all() == []


def test_a_session_lasts_until_it_ends_or_expires(app, db, make_account):
    account = make_account()
    first = accounts.start_sign_in(db, account, NOW)
    second = accounts.start_sign_in(db, account, NOW)
    db.commit()
    assert first != second
    assert db.get(store.SignIn, hashlib.sha256(first.encode()).hexdigest()) is not None
    assert accounts.signed_in_account(db, first, NOW).email == "ana@example.org"
    assert accounts.signed_in_account(db, first + "x", NOW) is None
    assert accounts.signed_in_account(db, "", NOW) is None
    accounts.sign_out(db, account, first, ADDRESS, NOW)
    db.commit()
    assert accounts.signed_in_account(db, first, NOW) is None
    assert accounts.signed_in_account(db, second, NOW).id == account.id
    # At most PERMANENT_SESSION_LIFETIME after signing in, on the app's clock.
    lifetime = app.permanent_session_lifetime
    assert lifetime == timedelta(hours=12)
    assert accounts.signed_in_account(db, second, NOW + lifetime - timedelta(seconds=1))
    assert accounts.signed_in_account(db, second, NOW + lifetime) is None
    # Sessions that ended or expired are forgotten at the account's next sign-in.
    accounts.start_sign_in(db, account, NOW + lifetime)
    db.commit()
    assert len(db.scalars(select(store.SignIn)).all()) == 1


def test_changing_the_password_ends_the_other_sessions(db, make_account):
    account = make_account()
    here, elsewhere = (accounts.start_sign_in(db, account, NOW) for _ in range(2))
    db.commit()
    new = "nine quiet harbours"
    with pytest.raises(AccountError) as wrong:
        accounts.change_password(db, account, here, "not the password", new, NOW, ADDRESS)
    db.commit()
    assert (wrong.value.field, wrong.value.message) == (
        "current_password",
        "This is not your current password.",
    )
    with pytest.raises(AccountError, match="at least 12") as short:
        accounts.change_password(db, account, here, PASSWORD, "short", NOW, ADDRESS)
    assert short.value.field == "password"
    with pytest.raises(AccountError, match="other than your current"):
        accounts.change_password(db, account, here, PASSWORD, PASSWORD, NOW, ADDRESS)
    assert accounts.signed_in_account(db, elsewhere, NOW) is not None  # nothing changed yet
    ended = accounts.change_password(db, account, here, PASSWORD, new, NOW, ADDRESS)
    db.commit()
    assert ended == 1
    assert accounts.signed_in_account(db, here, NOW).id == account.id
    assert accounts.signed_in_account(db, elsewhere, NOW) is None
    with pytest.raises(AccountError, match="not right"):
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)
    assert accounts.authenticate(db, "ana@example.org", new, ADDRESS, NOW).id == account.id
    entries = [(e.action, e.detail) for e in _audit(db) if e.action.startswith("password")]
    assert entries == [
        ("password_change_refused", {"reason": "wrong_password"}),
        ("password_changed", {"sessions_ended": 1}),
    ]


def test_wrong_current_passwords_count_towards_the_sign_in_limit(db, make_account):
    account = make_account()
    here = accounts.start_sign_in(db, account, NOW)
    new = "nine quiet harbours"
    for _n in range(5):
        with pytest.raises(AccountError, match="not your current password"):
            accounts.change_password(db, account, here, "a guess at it", new, NOW, ADDRESS)
        db.commit()
    with pytest.raises(TooManyAttempts) as refused:
        accounts.change_password(db, account, here, PASSWORD, new, NOW, ADDRESS)
    assert refused.value.field == "current_password"
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)


def test_a_reset_link_is_hashed_expires_works_once_and_ends_every_session(app, db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    sessions = [accounts.start_sign_in(db, staff, NOW) for _ in range(2)]
    first = accounts.issue_reset(db, staff, admin, NOW, ADDRESS)
    token = accounts.issue_reset(db, staff, admin, NOW)  # the earlier link stops working
    db.commit()
    assert accounts.pending_resets(db, NOW) == {
        staff.id: (NOW + timedelta(hours=24)).replace(tzinfo=None)
    }
    with pytest.raises(AccountError, match="expired"):
        accounts.reset_for(db, first, NOW)
    row = db.get(store.PasswordReset, hashlib.sha256(token.encode()).hexdigest())
    assert len(token) == 43 and (row.issued_by, row.account_id) == (admin.id, staff.id)
    with store.engine().connect() as connection:
        stored = connection.execute(text("SELECT * FROM password_resets")).all()
    assert len(stored) == 2 and token not in str(stored)
    hours = app.config["PASSWORD_RESET_HOURS"]
    with pytest.raises(AccountError, match="expired"):
        accounts.reset_for(db, token, NOW + timedelta(hours=hours))
    with pytest.raises(AccountError, match="not valid"):
        accounts.reset_for(db, token + "x", NOW)
    with pytest.raises(AccountError, match="at least 12"):
        accounts.use_reset(db, token, "short", NOW)
    later = NOW + timedelta(hours=hours, seconds=-1)
    new = "nine quiet harbours"
    assert accounts.use_reset(db, token, new, later, ADDRESS).id == staff.id
    db.commit()
    assert all(accounts.signed_in_account(db, s, later) is None for s in sessions)
    with pytest.raises(AccountError, match="used already"):
        accounts.use_reset(db, token, "another long password", later)
    assert accounts.authenticate(db, "ana@example.org", new, ADDRESS, later).id == staff.id
    issued = [(e.actor, e.target) for e in _audit(db, "reset_issued")]
    assert issued == [("root@example.org", "account:ana@example.org")] * 2
    [used] = _audit(db, "password_reset")
    assert (used.actor, used.detail, used.remote_addr) == (
        "ana@example.org",
        {"sessions_ended": 2},
        ADDRESS,
    )


def test_a_reset_link_is_for_joined_active_accounts_and_from_admins(db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    accounts.invite(db, "ivy@example.org", "staff", "org-a", admin, NOW)
    ivy = accounts.account_by_email(db, "IVY@example.org")
    with pytest.raises(AccountError, match="Only an administrator"):
        accounts.issue_reset(db, admin, staff, NOW)
    with pytest.raises(AccountError, match="your own password"):
        accounts.issue_reset(db, admin, admin, NOW)
    with pytest.raises(AccountError, match="not joined yet"):
        accounts.issue_reset(db, ivy, admin, NOW)
    token = accounts.issue_reset(db, staff, None, NOW)  # the command line
    accounts.change_account(db, staff.id, admin, NOW, active=False)
    with pytest.raises(AccountError, match="turned off"):
        accounts.issue_reset(db, staff, admin, NOW)
    with pytest.raises(AccountError, match="expired"):
        accounts.use_reset(db, token, "nine quiet harbours", NOW)
    assert [e.actor for e in _audit(db, "reset_issued")] == ["system"]


def test_turning_an_account_off_ends_its_sessions_for_good(db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    session_id = accounts.start_sign_in(db, staff, NOW)
    accounts.change_account(db, staff.id, admin, NOW, active=False)
    assert accounts.signed_in_account(db, session_id, NOW) is None
    accounts.change_account(db, staff.id, admin, NOW, active=True)
    assert accounts.signed_in_account(db, session_id, NOW) is None


def test_an_api_token_is_kept_hashed_and_found_until_revoked(app, db, make_account):
    account = make_account()
    row, token = accounts.create_token(db, account, " Nightly bed count ", NOW)
    db.commit()
    assert (row.name, row.prefix, row.token_hash) == (
        "Nightly bed count",
        token[:8],
        hashlib.sha256(token.encode()).hexdigest(),
    )
    # The token itself is in no column of any table.
    with store.engine().connect() as connection:
        for table in inspect(connection).get_table_names():
            for values in connection.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(token in str(value) for value in values), table
    later = NOW + timedelta(hours=1)
    assert accounts.account_for_token(db, token, later).email == "ana@example.org"
    assert db.get(store.ApiToken, row.id).last_used_at == later
    assert accounts.account_for_token(db, token + "x", later) is None
    accounts.revoke_token(db, account, row.id, later)
    db.commit()
    assert accounts.account_for_token(db, token, later) is None
    assert [e.detail for e in _audit(db) if e.action.startswith("token_")] == [
        {"name": "Nightly bed count"},
        {"name": "Nightly bed count"},
    ]


def test_a_token_is_refused_once_its_account_is_turned_off(db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    _row, token = accounts.create_token(db, staff, "sync", NOW)
    accounts.change_account(db, staff.id, admin, NOW, active=False)
    assert accounts.account_for_token(db, token, NOW) is None


def test_only_the_owner_revokes_a_token(db, make_account):
    ana = make_account()
    bo = make_account("bo@example.org", "staff", "org-b")
    row, _token = accounts.create_token(db, ana, "sync", NOW)
    with pytest.raises(AccountError, match="no such token"):
        accounts.revoke_token(db, bo, row.id, NOW)
    with pytest.raises(AccountError, match="Name the token"):
        accounts.create_token(db, ana, "  ", NOW)


def test_may_edit_is_admin_or_staff_of_the_same_organization(db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    assert accounts.may_edit(admin, "org-b") and accounts.may_edit(admin, None)
    assert accounts.may_edit(staff, "org-a")
    assert not accounts.may_edit(staff, "org-b")
    assert not accounts.may_edit(staff, None)
    assert not accounts.may_edit(None, "org-a")
    accounts.change_account(db, staff.id, admin, NOW, active=False)
    assert not accounts.may_edit(db.get(store.Account, staff.id), "org-a")


def test_an_admin_verifies_and_turns_off_accounts_with_an_audit_entry(db, make_account):
    staff = make_account()
    admin = make_account("root@example.org", "admin", None)
    accounts.change_account(db, staff.id, admin, NOW, verified=True)
    accounts.change_account(db, staff.id, admin, NOW, verified=True)  # no change: no entry
    with pytest.raises(AccountError, match="your own account"):
        accounts.change_account(db, admin.id, admin, NOW, active=False)
    with pytest.raises(AccountError, match="Only agency accounts"):
        accounts.change_account(db, admin.id, admin, NOW, verified=True)
    with pytest.raises(AccountError, match="Only an administrator"):
        accounts.change_account(db, admin.id, staff, NOW, active=False)
    [entry] = _audit(db, "account_changed")
    assert (entry.actor, entry.target, entry.detail) == (
        "root@example.org",
        "account:ana@example.org",
        {"verified": True},
    )


def test_turning_off_an_invited_account_withdraws_its_link(db, make_account):
    admin = make_account("root@example.org", "admin", None)
    token = accounts.invite(db, "ivy@example.org", "staff", "org-a", admin, NOW)
    ivy = db.scalar(select(store.Account).where(store.Account.email == "ivy@example.org"))
    accounts.change_account(db, ivy.id, admin, NOW + timedelta(minutes=1), active=False)
    with pytest.raises(AccountError, match="expired"):
        accounts.invitation_for(db, token, NOW + timedelta(minutes=2))


def test_the_audit_log_refuses_unknown_actions_and_secrets(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        accounts.audit(db, "system", "deleted_everything")
    with pytest.raises(ValueError, match="password"):
        accounts.audit(db, "system", "join", detail={"password": PASSWORD})


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("org-b", ["org-b"]),
        ("alder house", ["org-a"]),  # the exact name wins over the names containing it
        ("alder", ["org-a", "org-c"]),
        ("100%", ["org-d"]),
        ("%", ["org-d"]),  # a wildcard is a character like any other
        ("", []),
    ],
)
def test_organizations_are_found_by_id_then_name(db, text, ids):
    assert [o.id for o in accounts.organizations_matching(db, text)] == ids
