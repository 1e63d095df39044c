"""Test accounts on a real SQLite store: invitations, passwords, the sign-in limit, API tokens,
roles and the audit log."""

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
        _fail(db, "ana@example.org", f"198.51.100.{minute}", NOW + timedelta(minutes=minute))
    at = NOW + timedelta(minutes=5)
    with pytest.raises(TooManyAttempts) as refused:
        accounts.authenticate(db, "ana@example.org", PASSWORD, "192.0.2.1", at)
    db.commit()
    # The oldest of the five leaves the 15-minute window at NOW + 15 min: ten minutes from `at`.
    assert refused.value.retry_after == 600
    assert refused.value.message == "Too many failed sign-ins. Try again in 10 minutes."
    assert refused.value.field == "email"
    assert _audit(db, "sign_in_refused")[-1].detail == {"reason": "rate_limited"}
    # Knocking while blocked does not extend the block.
    later = NOW + timedelta(minutes=15, seconds=1)
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, "192.0.2.1", later).id


def test_the_limit_counts_an_address_across_emails(db, make_account):
    make_account()
    for n in range(5):
        _fail(db, f"guess{n}@example.org", ADDRESS, NOW)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, "ana@example.org", PASSWORD, ADDRESS, NOW)
    assert accounts.authenticate(db, "ana@example.org", PASSWORD, "192.0.2.1", NOW).id


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
