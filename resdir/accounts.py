"""Keep the accounts of admins and agency staff: invitations, passwords and their reset links,
sign-in with its rate limit, the signed-in sessions, API tokens, and the audit log of who did what.

Secrets are never stored or logged as they are: passwords as argon2id hashes; invitation and
reset links, sessions' ids and API tokens as the sha256 of a random token shown once. Every
function here works in the caller's session and leaves the commit to it, refusals included (a
refused sign-in is an audit entry the caller commits), but for one: before a password is
checked, `authenticate` and `change_password` commit the count of the attempt (with whatever
the session held), so that concurrent attempts see it while the hash is computed.
"""

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from resdir import clock, limits
from resdir.i18n import _, ngettext
from resdir.store import (
    Account,
    ApiToken,
    AuditEntry,
    Invitation,
    Organization,
    PasswordReset,
    SignIn,
)

AUDIT_ACTIONS = frozenset(
    {
        "sign_in",
        "sign_in_refused",
        "sign_out",
        "invite",
        "join",
        "token_created",
        "token_revoked",
        "account_changed",
        "password_changed",
        "password_change_refused",
        "reset_issued",
        "password_reset",
        "submitted",
        "published",
        "rejected",
        "restored",
        "conflict",
        "report_dismissed",
        "report_acted",
    }
)
ROLES = ("admin", "staff")
SYSTEM = "system"  # the actor of what the command line does
PASSWORD_MIN_LENGTH = 12
# argon2 takes any length; a bound keeps one request from hashing megabytes.
PASSWORD_MAX_LENGTH = 1024
NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 320
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
TOKEN_BYTES = 32
TOKEN_PREFIX_LENGTH = 8  # shown beside a token's name to tell tokens apart
TOKEN_STAMP_EVERY = timedelta(minutes=5)  # how often a token's "last used" is written at most
SIGN_IN_KEY = "sign-in:{email} {address}"  # the key attempts are counted under (resdir.limits)
ORGANIZATIONS_SHOWN = 20  # organizations offered when a name matches several
# Detail keys refused by audit(): the log must never hold a secret.
SECRET_DETAIL_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})
RATE_LIMITED = "rate_limited"  # the reason of a sign-in refused by the limit
# argon2id with the library's current parameters (RFC 9106 low-memory profile); a hash made
# with older parameters is remade at the next sign-in.
HASHER = PasswordHasher()


class AccountError(Exception):
    """A request about an account that cannot be done; `field` is the form field it concerns."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class TooManyAttempts(AccountError):
    """A password check refused by the rate limit; `retry_after` is the wait in seconds."""

    def __init__(self, retry_after: int, field: str = "email"):
        minutes = max(1, -(-retry_after // 60))
        message = ngettext(
            "Too many failed sign-ins. Try again in %(num)s minute.",
            "Too many failed sign-ins. Try again in %(num)s minutes.",
            minutes,
        )
        super().__init__(field, message)
        self.retry_after = retry_after


def digest(secret: str) -> str:
    """Return the sha256 hex of a token: what the store keeps instead of the token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalize_email(text: str | None) -> str:
    """Return an email as accounts store it: trimmed, lower-case."""
    return (text or "").strip().lower()


def _valid_email(text: str | None) -> str:
    email = normalize_email(text)
    if not email:
        raise AccountError("email", _("Enter an email address."))
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        raise AccountError("email", _("Enter an email address such as name@example.org."))
    return email


def _check_password(password: str, email: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            "password",
            _("Use at least %(num)s characters.", num=PASSWORD_MIN_LENGTH),
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(
            "password", _("Use at most %(num)s characters.", num=PASSWORD_MAX_LENGTH)
        )
    if password.strip().lower() == email:
        raise AccountError("password", _("Use a password other than your email address."))


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the UTC instants it stored without their zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(TOKEN_BYTES))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def account_by_email(session: Session, email: str) -> Account | None:
    """Return the account of an email address (any case), or None."""
    return session.scalar(select(Account).where(Account.email == normalize_email(email)))


def audit(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict | None = None,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> None:
    """Add an entry to the audit log: who did what to what; never a secret in `detail`."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    secret = SECRET_DETAIL_KEYS & set(detail or {})
    if secret:
        raise ValueError(f"audit detail must not hold {', '.join(sorted(secret))}")
    session.add(
        AuditEntry(
            at=now or clock.now(),
            actor=actor,
            action=action,
            target=target,
            remote_addr=remote_addr,
            detail=detail or {},
        )
    )


def invite(
    session: Session,
    email: str,
    role: str,
    organization_id: str | None,
    invited_by: Account | None,
    now: datetime,
    remote_addr: str | None = None,
) -> str:
    """Invite someone to join as admin or as staff of an organization; return the one-time token
    of their link (only its hash is kept). An earlier link for the same email stops working."""
    email = _valid_email(email)
    if invited_by is not None and invited_by.role != "admin":
        raise AccountError(None, _("Only an administrator can invite."))
    if role not in ROLES:
        raise AccountError("role", _("Choose administrator or agency staff."))
    if role == "admin":
        organization_id = None
    elif not organization_id or session.get(Organization, organization_id) is None:
        raise AccountError("organization", _("Choose the organization this person works for."))
    account = account_by_email(session, email)
    if account is not None and account.password_hash is not None:
        raise AccountError("email", _("%(email)s already has an account.", email=email))
    if account is None:
        account = Account(email=email, created_at=now, verified=False, active=True)
        session.add(account)
    account.role, account.organization_id, account.active = role, organization_id, True
    session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        Invitation(
            token_hash=digest(token),
            email=email,
            role=role,
            organization_id=organization_id,
            invited_by=invited_by.id if invited_by else None,
            created_at=now,
            expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
        )
    )
    audit(
        session,
        invited_by.email if invited_by else SYSTEM,
        "invite",
        f"account:{email}",
        {"role": role, "organization_id": organization_id},
        remote_addr,
        now,
    )
    return token


def invitation_for(session: Session, token: str, now: datetime) -> Invitation:
    """Return the invitation of a link's token if it can still be used; else AccountError."""
    invitation = session.get(Invitation, digest(token or ""))
    if invitation is None:
        raise AccountError(
            "token", _("This invitation link is not valid: check that it was copied whole.")
        )
    if invitation.used_at is not None:
        raise AccountError(
            "token",
            _("This invitation was used already: sign in, or ask an administrator for a new one."),
        )
    if _utc(invitation.expires_at) <= now:
        raise AccountError(
            "token", _("This invitation has expired: ask an administrator for a new one.")
        )
    return invitation


def accept_invitation(
    session: Session,
    token: str,
    name: str,
    password: str,
    now: datetime,
    remote_addr: str | None = None,
) -> Account:
    """Join by an invitation: set a name and password on the invited account; the link is
    used up."""
    invitation = invitation_for(session, token, now)
    name = (name or "").strip()
    if not name:
        raise AccountError("name", _("Enter your name."))
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError("name", _("Use at most %(num)s characters.", num=NAME_MAX_LENGTH))
    _check_password(password or "", invitation.email)
    # One statement claims the link, so that two requests racing with it cannot both join.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.token_hash == invitation.token_hash, Invitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise AccountError("token", _("This invitation has been used already."))
    account = account_by_email(session, invitation.email)
    if account is None:
        account = Account(email=invitation.email, created_at=now, verified=False)
        session.add(account)
    account.name = name
    account.password_hash = HASHER.hash(password)
    account.role, account.organization_id = invitation.role, invitation.organization_id
    account.active = True
    audit(
        session,
        account.email,
        "join",
        f"account:{account.email}",
        {"role": invitation.role, "organization_id": invitation.organization_id},
        remote_addr,
        now,
    )
    return account


def _attempt_key(email: str, remote_addr: str | None) -> str:
    return SIGN_IN_KEY.format(email=email, address=limits.client_address(remote_addr))


def _claim_attempt(
    session: Session, email: str, remote_addr: str | None, now: datetime, field: str = "email"
) -> None:
    """Count one password check for the email from the address, or raise TooManyAttempts.

    Counted per (email, address), so that guesses from elsewhere never lock the owner out, nor
    one person's typing the others behind the same address; counted before the check, in a
    row that one UPDATE raises only while below the limit, and committed at once, so that a
    burst of concurrent guesses gets no more checks than the limit and none waits on another's
    hash.
    """
    config = current_app.config
    wait = limits.claim(
        session,
        _attempt_key(email, remote_addr),
        config["LOGIN_ATTEMPTS"],
        timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
        now,
    )
    session.commit()
    if wait:
        target = f"account:{email}"
        detail = {"reason": RATE_LIMITED}
        audit(session, email, "sign_in_refused", target, detail, remote_addr, now)
        raise TooManyAttempts(wait, field)


def authenticate(
    session: Session, email: str, password: str, remote_addr: str | None, now: datetime
) -> Account:
    """Return the account whose email and password these are; audit the sign-in or the
    refusal. Raise TooManyAttempts past the rate limit, AccountError otherwise. Commits the
    count of the attempt before the password is checked."""
    email = normalize_email(email)
    if not email:
        raise AccountError("email", _("Enter your email address."))
    if len(email) > EMAIL_MAX_LENGTH:
        raise AccountError("email", _("Enter an email address such as name@example.org."))
    if not password:
        raise AccountError("password", _("Enter your password."))
    target = f"account:{email}"
    _claim_attempt(session, email, remote_addr, now)
    account = account_by_email(session, email)
    stored = account.password_hash if account is not None else None
    # A hash is checked whether or not the account exists, so the time taken reveals nothing.
    matched = _verify(stored or _dummy_hash(), password) and stored is not None
    if not matched:
        reason = (
            "unknown_account"
            if account is None
            else "not_joined"
            if stored is None
            else "wrong_password"
        )
        audit(session, email, "sign_in_refused", target, {"reason": reason}, remote_addr, now)
        raise AccountError("password", _("The email address or the password is not right."))
    if not account.active:
        audit(session, email, "sign_in_refused", target, {"reason": "inactive"}, remote_addr, now)
        raise AccountError(
            "email", _("This account has been turned off: ask an administrator to turn it on.")
        )
    if HASHER.check_needs_rehash(stored):
        account.password_hash = HASHER.hash(password)
    limits.forget(session, _attempt_key(email, remote_addr))
    audit(session, email, "sign_in", target, None, remote_addr, now)
    return account


def start_sign_in(session: Session, account: Account, now: datetime) -> str:
    """Open a signed-in session for the account; return the id its cookie carries (the store
    keeps its hash), good for the app's PERMANENT_SESSION_LIFETIME at most."""
    # The account's sessions that have ended or expired are of no more use: forget them.
    session.execute(
        delete(SignIn).where(
            SignIn.account_id == account.id,
            or_(SignIn.ended_at.is_not(None), SignIn.expires_at <= now),
        )
    )
    sign_in_id = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        SignIn(
            id_hash=digest(sign_in_id),
            account_id=account.id,
            created_at=now,
            expires_at=now + current_app.permanent_session_lifetime,
        )
    )
    return sign_in_id


def signed_in_account(session: Session, sign_in_id: str, now: datetime) -> Account | None:
    """Return the account of a session's id while the session lasts (not ended, not expired)
    and the account may sign in; else None."""
    if not sign_in_id:
        return None
    return session.scalar(
        select(Account)
        .join(SignIn, SignIn.account_id == Account.id)
        .where(
            SignIn.id_hash == digest(sign_in_id),
            SignIn.ended_at.is_(None),
            SignIn.expires_at > now,
            Account.active.is_(True),
            Account.password_hash.is_not(None),
        )
    )


def end_sign_ins(session: Session, account_id: int, now: datetime, keep: str | None = None) -> int:
    """End every open session of the account but the one whose id is `keep`; return how many
    ended."""
    condition = [SignIn.account_id == account_id, SignIn.ended_at.is_(None)]
    if keep:
        condition.append(SignIn.id_hash != digest(keep))
    return session.execute(update(SignIn).where(*condition).values(ended_at=now)).rowcount


def sign_out(
    session: Session,
    account: Account,
    sign_in_id: str | None,
    remote_addr: str | None,
    now: datetime,
) -> None:
    """End the session whose id this is, every copy of its cookie with it; audit it."""
    if sign_in_id:
        session.execute(
            update(SignIn)
            .where(SignIn.id_hash == digest(sign_in_id), SignIn.ended_at.is_(None))
            .values(ended_at=now)
        )
    audit(session, account.email, "sign_out", f"account:{account.email}", None, remote_addr, now)


def change_password(
    session: Session,
    account: Account,
    sign_in_id: str | None,
    current: str,
    password: str,
    now: datetime,
    remote_addr: str | None = None,
) -> int:
    """Set a new password for the account when `current` is its password; end every other
    session of it (the one whose id is `sign_in_id` goes on); return how many ended.

    A wrong current password counts towards the sign-in limit, so that a session left open
    cannot be used to guess the password; commits its count before the check.
    """
    if not current:
        raise AccountError("current_password", _("Enter your current password."))
    _check_password(password or "", account.email)
    if password == current:
        raise AccountError("password", _("Choose a password other than your current one."))
    _claim_attempt(session, account.email, remote_addr, now, "current_password")
    row = session.get(Account, account.id)
    target = f"account:{row.email}"
    if not _verify(row.password_hash or _dummy_hash(), current):
        detail = {"reason": "wrong_password"}
        audit(session, row.email, "password_change_refused", target, detail, remote_addr, now)
        raise AccountError("current_password", _("This is not your current password."))
    limits.forget(session, _attempt_key(row.email, remote_addr))
    row.password_hash = HASHER.hash(password)
    ended = end_sign_ins(session, row.id, now, keep=sign_in_id)
    detail = {"sessions_ended": ended}
    audit(session, row.email, "password_changed", target, detail, remote_addr, now)
    return ended


def issue_reset(
    session: Session,
    account: Account,
    issued_by: Account | None,
    now: datetime,
    remote_addr: str | None = None,
) -> str:
    """Issue a one-time link for a joined, active account to choose a new password; return its
    token (only its hash is kept). An earlier link for the account stops working."""
    if issued_by is not None and issued_by.role != "admin":
        raise AccountError(None, _("Only an administrator can issue a password reset link."))
    if issued_by is not None and issued_by.id == account.id:
        raise AccountError(None, _("Change your own password on your account page."))
    if account.password_hash is None:
        raise AccountError(
            None,
            _("%(email)s has not joined yet: send a new invitation instead.", email=account.email),
        )
    if not account.active:
        raise AccountError(
            None, _("%(email)s is turned off: turn the account on first.", email=account.email)
        )
    _withdraw_resets(session, account.id, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        PasswordReset(
            token_hash=digest(token),
            account_id=account.id,
            issued_by=issued_by.id if issued_by else None,
            created_at=now,
            expires_at=now + timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
        )
    )
    actor = issued_by.email if issued_by else SYSTEM
    audit(session, actor, "reset_issued", f"account:{account.email}", None, remote_addr, now)
    return token


def _withdraw_resets(session: Session, account_id: int, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.account_id == account_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(expires_at=now)
    )


def reset_for(session: Session, token: str, now: datetime) -> tuple[PasswordReset, Account]:
    """Return the reset link of a token and its account while the link can be used; else
    AccountError."""
    reset = session.get(PasswordReset, digest(token or ""))
    if reset is None:
        raise AccountError(
            "token", _("This reset link is not valid: check that it was copied whole.")
        )
    if reset.used_at is not None:
        raise AccountError(
            "token",
            _("This reset link was used already: sign in, or ask an administrator for a new one."),
        )
    account = session.get(Account, reset.account_id)
    if _utc(reset.expires_at) <= now or not account.active:
        raise AccountError(
            "token", _("This reset link has expired: ask an administrator for a new one.")
        )
    return reset, account


def use_reset(
    session: Session, token: str, password: str, now: datetime, remote_addr: str | None = None
) -> Account:
    """Set a new password by a reset link, which is used up; every session of the account
    ends."""
    reset, account = reset_for(session, token, now)
    _check_password(password or "", account.email)
    # One statement claims the link, so that two requests racing with it cannot both use it.
    claimed = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == reset.token_hash, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise AccountError("token", _("This reset link has been used already."))
    account.password_hash = HASHER.hash(password)
    ended = end_sign_ins(session, account.id, now)
    limits.forget(session, _attempt_key(account.email, remote_addr))
    detail = {"sessions_ended": ended}
    audit(
        session,
        account.email,
        "password_reset",
        f"account:{account.email}",
        detail,
        remote_addr,
        now,
    )
    return account


def create_token(
    session: Session,
    account: Account,
    name: str,
    now: datetime,
    remote_addr: str | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token for the account; return its row and the token, to show once."""
    name = (name or "").strip()
    if not name:
        raise AccountError("name", _("Name the token after where it is used."))
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError("name", _("Use at most %(num)s characters.", num=NAME_MAX_LENGTH))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(
        account_id=account.id,
        name=name,
        token_hash=digest(token),
        prefix=token[:TOKEN_PREFIX_LENGTH],
        created_at=now,
    )
    session.add(row)
    session.flush()
    detail = {"name": name}
    audit(session, account.email, "token_created", f"token:{row.id}", detail, remote_addr, now)
    return row, token


def account_for_token(session: Session, token: str, now: datetime) -> Account | None:
    """Return the active account an API token belongs to, or None (unknown or revoked)."""
    if not token:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
    )
    account = session.get(Account, row.account_id) if row is not None else None
    if account is None or not account.active or account.password_hash is None:
        return None
    # "Last used" is told to the minute or so: stamping every request would make each API call
    # a write, waiting behind whatever else writes.
    if row.last_used_at is None or _utc(row.last_used_at) < now - TOKEN_STAMP_EVERY:
        row.last_used_at = now
    return account


def revoke_token(
    session: Session,
    account: Account,
    token_id: int,
    now: datetime,
    remote_addr: str | None = None,
) -> None:
    """Revoke one of the account's API tokens: it is refused from now on."""
    row = session.get(ApiToken, token_id)
    if row is None or row.account_id != account.id:
        raise AccountError("token", _("There is no such token."))
    if row.revoked_at is None:
        row.revoked_at = now
        detail = {"name": row.name}
        audit(session, account.email, "token_revoked", f"token:{row.id}", detail, remote_addr, now)


def tokens_of(session: Session, account: Account) -> list[ApiToken]:
    """Return the account's API tokens, newest first, revoked ones included."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.account_id == account.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def change_account(
    session: Session,
    account_id: int,
    admin: Account,
    now: datetime,
    verified: bool | None = None,
    active: bool | None = None,
    remote_addr: str | None = None,
) -> Account:
    """Mark an agency account verified or not, or turn an account off or on; audited."""
    if admin.role != "admin":
        raise AccountError(None, _("Only an administrator can change accounts."))
    account = session.get(Account, account_id)
    if account is None:
        raise AccountError(None, _("There is no such account."))
    if active is False and account.id == admin.id:
        raise AccountError(None, _("You cannot turn off your own account."))
    if verified and account.role != "staff":
        raise AccountError(None, _("Only agency accounts are verified."))
    changes = {}
    if verified is not None and verified != account.verified:
        account.verified = changes["verified"] = verified
    if active is not None and active != account.active:
        account.active = changes["active"] = active
        if not active:
            # A link sent before must not bring a turned-off account back, nor a session opened
            # before come back with the account turned on again.
            session.execute(
                update(Invitation)
                .where(Invitation.email == account.email, Invitation.used_at.is_(None))
                .values(expires_at=now)
            )
            _withdraw_resets(session, account.id, now)
            end_sign_ins(session, account.id, now)
    if changes:
        target = f"account:{account.email}"
        audit(session, admin.email, "account_changed", target, changes, remote_addr, now)
    return account


def list_accounts(session: Session) -> list[tuple[Account, str | None]]:
    """Return every account with its organization's name: admins first, then by email."""
    rows = session.execute(
        select(Account, Organization.name)
        .outerjoin(Organization, Organization.id == Account.organization_id)
        .order_by(Account.role, Account.email)
    )
    return [(account, name) for account, name in rows]


def pending_invitations(session: Session, now: datetime) -> list[tuple[Invitation, str | None]]:
    """Return the invitations that can still be used with their organization's name, the
    soonest to expire first."""
    rows = session.execute(
        select(Invitation, Organization.name)
        .outerjoin(Organization, Organization.id == Invitation.organization_id)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.expires_at)
    )
    return [(invitation, name) for invitation, name in rows]


def pending_resets(session: Session, now: datetime) -> dict[int, datetime]:
    """Return when each account's reset link that can still be used expires, by account id."""
    rows = session.execute(
        select(PasswordReset.account_id, PasswordReset.expires_at).where(
            PasswordReset.used_at.is_(None), PasswordReset.expires_at > now
        )
    )
    return dict(rows.all())


def organizations_matching(session: Session, text: str) -> list[Organization]:
    """Return the organization whose id this is, else those named so (any case), else those
    whose name contains the text (at most ORGANIZATIONS_SHOWN)."""
    text = (text or "").strip()
    if not text:
        return []
    exact = session.get(Organization, text)
    if exact is not None:
        return [exact]
    named = session.scalars(
        select(Organization)
        .where(func.lower(Organization.name) == text.lower())
        .order_by(Organization.id)
        .limit(ORGANIZATIONS_SHOWN)
    ).all()
    if named:
        return list(named)
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            select(Organization)
            .where(func.lower(Organization.name).like(pattern, escape="\\"))
            .order_by(Organization.name, Organization.id)
            .limit(ORGANIZATIONS_SHOWN)
        )
    )


def may_edit(account: Account | None, organization_id: str | None) -> bool:
    """Return whether the account may change listings of the organization: an admin, or active
    staff of that organization."""
    if account is None or not account.active:
        return False
    if account.role == "admin":
        return True
    return (
        account.role == "staff"
        and organization_id is not None
        and account.organization_id == organization_id
    )
