"""Serve sign-in, sign-out, joining by invitation, password changes and reset links, a person's
API tokens and the admins' account list; give other blueprints the signed-in account and the
guards of their pages and API.

Sessions are flask-login's in Flask's signed cookie, bound to the browser and address that signed
in ("strong" protection), never remembered past the browser's session. The cookie names a session
kept in the store (resdir.accounts.start_sign_in), checked on every request: signing out, a
password change or reset ends it server-side, so a copy of the cookie replayed later is signed
out too. Every form carries a CSRF token (flask-wtf's CSRFProtect); the JSON API is exempt, its
writes carry a Bearer token instead. Pages here hold tokens and one-time links: none is cached
(`Cache-Control: no-store`).
"""

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError

from resdir import accounts, clock, store
from resdir.accounts import AccountError, TooManyAttempts
from resdir.i18n import _
from resdir.store import Account, Organization

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

# Where a person lands after signing in when no page asked for it (the portal and the queue).
HOME_PATHS = {"admin": "/admin", "staff": "/agency"}
# The changes an admin may make to an account from the list, as the form's buttons name them.
ACCOUNT_CHANGES = {
    "verify": {"verified": True},
    "unverify": {"verified": False},
    "deactivate": {"active": False},
    "activate": {"active": True},
}


class SignedIn(UserMixin):
    """The person signed in, as flask-login sees them: an active account that has joined, in
    the session whose id the cookie carries."""

    def __init__(self, account: Account, sign_in_id: str):
        self.account = account
        self.sign_in_id = sign_in_id

    def get_id(self) -> str:
        """Return what the cookie keeps: the session's id, not the account's."""
        return self.sign_in_id

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in."""
        return bool(self.account.active and self.account.password_hash)


@login_manager.user_loader
def _load(sign_in_id: str) -> SignedIn | None:
    # Read every request, so that a session ended elsewhere (a sign-out, a password change or
    # reset), a role change or a turned-off account takes effect at once.
    with store.session() as db:
        account = accounts.signed_in_account(db, sign_in_id, clock.now())
    return SignedIn(account, sign_in_id) if account is not None else None


def current_account() -> Account | None:
    """Return the signed-in account, or None."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user.account


def _current_sign_in() -> str | None:
    return current_user.sign_in_id if current_user.is_authenticated else None


def home_path(account: Account) -> str:
    """Return the page an account starts on: the review queue, or the agency portal."""
    return HOME_PATHS.get(account.role, "/")


def local_path(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None: a sign-in link must not send
    anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines: "/\evil" and "/\t/evil" go elsewhere.
    if "\\" in target or any(ord(c) <= 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def forbidden() -> tuple[str, int]:
    """Return the page of a signed-in person refused a page (403)."""
    return render_template("auth/forbidden.html"), 403


def staff_required(view):
    """Guard a page: signed in (admin or staff), else to the sign-in page and back."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if current_account() is None:
            return redirect(url_for("auth.login", next=_here()))
        return view(*args, **kwargs)

    return guarded


def admin_required(view):
    """Guard a page: an admin; anyone else signed in gets a 403 page, others sign in first."""

    @wraps(view)
    def guarded(*args, **kwargs):
        account = current_account()
        if account is None:
            return redirect(url_for("auth.login", next=_here()))
        if account.role != "admin":
            return forbidden()
        return view(*args, **kwargs)

    return guarded


def api_account() -> Account:
    """Return the account of the request's API token (`Authorization: Bearer <token>`); raise
    the API's 401 when there is none or it is not valid."""
    # Imported here: the API's modules import this one.
    from resdir.api.errors import ApiError

    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "Send an API token: 'Authorization: Bearer <token>' (create one at /account).",
        )
    with store.session() as db:
        account = accounts.account_for_token(db, token.strip(), clock.now())
        if account is None:
            raise ApiError(401, "invalid_token", "This API token is not valid or was revoked.")
        try:
            db.commit()  # the token's "last used", when it is due
        except OperationalError as exc:
            if not store.transient(exc):
                raise
            db.rollback()  # the store is busy: "last used" waits, the request does not
            db.refresh(account)
    return account


def _sign_in(db, account: Account) -> None:
    """Open a session for the account in the store (committed) and in the cookie."""
    sign_in_id = accounts.start_sign_in(db, account, clock.now())
    db.commit()
    # A fresh cookie on sign-in: nothing from before (a CSRF token, a half-done form) carries
    # over into the signed-in one.
    session.clear()
    login_user(SignedIn(account, sign_in_id), remember=False)


@blueprint.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password, then go back to the page that asked (on this site)."""
    target = local_path(request.values.get("next"))
    if request.method == "GET":
        account = current_account()
        if account is not None:
            return redirect(target or home_path(account))
        return render_template(
            "auth/login.html",
            errors={},
            email="",
            next=target,
            signed_out=bool(request.args.get("signed_out")),
        )
    email = request.form.get("email", "")
    with store.session() as db:
        try:
            account = accounts.authenticate(
                db, email, request.form.get("password", ""), request.remote_addr, clock.now()
            )
        except AccountError as exc:
            db.commit()  # the refusal counts towards the rate limit
            page = render_template(
                "auth/login.html", errors={exc.field: exc.message}, email=email, next=target
            )
            if isinstance(exc, TooManyAttempts):
                return page, 429, {"Retry-After": str(exc.retry_after)}
            return page, 422
        _sign_in(db, account)
    return redirect(target or home_path(account))


@blueprint.post("/logout")
def logout():
    """Sign out: end the session in the store, so no copy of its cookie works, and forget it."""
    account = current_account()
    if account is not None:
        with store.session() as db:
            accounts.sign_out(db, account, _current_sign_in(), request.remote_addr, clock.now())
            db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1))


@blueprint.route("/invite/<token>", methods=["GET", "POST"])
def join(token: str):
    """Join by an invitation link: choose a name and a password, then be signed in."""
    now = clock.now()
    with store.session() as db:
        try:
            invitation = accounts.invitation_for(db, token, now)
        except AccountError as exc:
            return render_template("auth/join.html", invalid=exc.message), 404
        form = request.form
        page = {"email": invitation.email, "name": form.get("name", ""), "errors": {}}
        if request.method == "GET":
            return render_template("auth/join.html", **page)
        password = form.get("password", "")
        if password != form.get("password_again", ""):
            page["errors"]["password_again"] = _("The two passwords are not the same.")
            return render_template("auth/join.html", **page), 422
        try:
            account = accounts.accept_invitation(
                db, token, form.get("name", ""), password, now, request.remote_addr
            )
        except AccountError as exc:
            if exc.field == "token":
                return render_template("auth/join.html", invalid=exc.message), 404
            page["errors"][exc.field] = exc.message
            return render_template("auth/join.html", **page), 422
        accounts.audit(
            db,
            account.email,
            "sign_in",
            f"account:{account.email}",
            {"via": "invitation"},
            request.remote_addr,
            now,
        )
        _sign_in(db, account)
    return redirect(home_path(account))


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password by a reset link an admin issued; every earlier session of the
    account ends, and this browser is signed in."""
    now = clock.now()
    with store.session() as db:
        try:
            _reset, account = accounts.reset_for(db, token, now)
        except AccountError as exc:
            return render_template("auth/reset.html", invalid=exc.message), 404
        page = {"email": account.email, "errors": {}}
        if request.method == "GET":
            return render_template("auth/reset.html", **page)
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            page["errors"]["password_again"] = _("The two passwords are not the same.")
            return render_template("auth/reset.html", **page), 422
        try:
            account = accounts.use_reset(db, token, password, now, request.remote_addr)
        except AccountError as exc:
            if exc.field == "token":
                return render_template("auth/reset.html", invalid=exc.message), 404
            page["errors"][exc.field] = exc.message
            return render_template("auth/reset.html", **page), 422
        accounts.audit(
            db,
            account.email,
            "sign_in",
            f"account:{account.email}",
            {"via": "password_reset"},
            request.remote_addr,
            now,
        )
        _sign_in(db, account)
    return redirect(home_path(account))


def _account_page(db, account: Account, status: int = 200, **extra):
    organization = (
        db.get(Organization, account.organization_id) if account.organization_id else None
    )
    page = {"errors": {}, "token_name": "", "new_token": None, "password_changed": None} | extra
    return render_template(
        "auth/account.html",
        account=account,
        organization=organization,
        tokens=accounts.tokens_of(db, account),
        **page,
    ), status


@blueprint.route("/account", methods=["GET", "POST"])
@staff_required
def account():
    """Show the signed-in account and its API tokens; create one (shown this once)."""
    me = current_account()
    with store.session() as db:
        if request.method == "GET":
            ended = request.args.get("password_changed", type=int)
            return _account_page(db, me, password_changed=ended)
        name = request.form.get("name", "")
        try:
            row, token = accounts.create_token(db, me, name, clock.now(), request.remote_addr)
        except AccountError as exc:
            return _account_page(db, me, 422, errors={exc.field: exc.message}, token_name=name)
        db.commit()
        return _account_page(db, me, 201, new_token={"name": row.name, "token": token})


@blueprint.post("/account/password")
@staff_required
def change_password():
    """Change the signed-in account's password, the current one first; the account's other
    sessions end, this one goes on."""
    me, form = current_account(), request.form
    with store.session() as db:
        if form.get("password", "") != form.get("password_again", ""):
            errors = {"password_again": _("The two passwords are not the same.")}
            return _account_page(db, me, 422, errors=errors)
        try:
            ended = accounts.change_password(
                db,
                me,
                _current_sign_in(),
                form.get("current_password", ""),
                form.get("password", ""),
                clock.now(),
                request.remote_addr,
            )
        except AccountError as exc:
            db.commit()  # a wrong current password is audited
            page = _account_page(db, me, 422, errors={exc.field: exc.message})
            if isinstance(exc, TooManyAttempts):
                return page[0], 429, {"Retry-After": str(exc.retry_after)}
            return page
        db.commit()
    return redirect(url_for("auth.account", password_changed=ended) + "#change-password")


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@staff_required
def revoke_token(token_id: int):
    """Revoke one of the signed-in account's API tokens."""
    me = current_account()
    with store.session() as db:
        try:
            accounts.revoke_token(db, me, token_id, clock.now(), request.remote_addr)
        except AccountError as exc:
            return _account_page(db, me, 404, errors={"revoke": exc.message})
        db.commit()
    return redirect(url_for("auth.account") + f"#token-{token_id}")


def _accounts_page(db, status: int = 200, **extra):
    page = {"errors": {}, "form": {}, "candidates": [], "invited": None, "reset": None} | extra
    return render_template(
        "admin/accounts.html",
        accounts=accounts.list_accounts(db),
        invitations=accounts.pending_invitations(db, clock.now()),
        resets=accounts.pending_resets(db, clock.now()),
        roles={"admin": _("Administrator"), "staff": _("Agency staff")},
        me=current_account(),
        **page,
    ), status


def _organization_for(db, form) -> tuple[str | None, dict, list]:
    """Return the organization an invitation is for (an id), or the error and the candidates
    to choose from when the text names none or several."""
    if form.get("organization_id"):
        return form["organization_id"], {}, []
    text = form.get("organization", "").strip()
    if not text:
        return None, {"organization": _("Enter the organization's name or id.")}, []
    found = accounts.organizations_matching(db, text)
    if len(found) == 1:
        return found[0].id, {}, []
    if not found:
        return None, {"organization": _("No organization has this name or id.")}, []
    return None, {"organization": _("Several organizations match: choose one.")}, found


@blueprint.route("/admin/accounts", methods=["GET", "POST"])
@admin_required
def admin_accounts():
    """List the accounts and open invitations; invite an admin or staff of an organization
    (the one-time link is shown to pass on)."""
    with store.session() as db:
        if request.method == "GET":
            return _accounts_page(db)
        form = request.form
        role = form.get("role", "")
        organization_id, errors, candidates = None, {}, []
        if role == "staff":
            organization_id, errors, candidates = _organization_for(db, form)
        if not errors:
            try:
                token = accounts.invite(
                    db,
                    form.get("email", ""),
                    role,
                    organization_id,
                    current_account(),
                    clock.now(),
                    request.remote_addr,
                )
            except AccountError as exc:
                errors = {exc.field or "email": exc.message}
        if errors:
            return _accounts_page(db, 422, errors=errors, form=form, candidates=candidates)
        db.commit()
        invited = {
            "email": accounts.normalize_email(form.get("email")),
            "link": url_for("auth.join", token=token, _external=True),
        }
        return _accounts_page(db, 201, invited=invited)


@blueprint.post("/admin/accounts/<int:account_id>")
@admin_required
def change_account(account_id: int):
    """Mark an agency account verified (or not), or turn an account off (or on)."""
    values = ACCOUNT_CHANGES.get(request.form.get("change", ""))
    with store.session() as db:
        if values is None:
            return _accounts_page(db, 422, errors={"change": _("Choose a change from the list.")})
        try:
            accounts.change_account(
                db,
                account_id,
                current_account(),
                clock.now(),
                remote_addr=request.remote_addr,
                **values,
            )
        except AccountError as exc:
            return _accounts_page(db, 422, errors={"change": exc.message})
        db.commit()
    return redirect(url_for("auth.admin_accounts") + f"#account-{account_id}")


@blueprint.post("/admin/accounts/<int:account_id>/reset")
@admin_required
def reset_link(account_id: int):
    """Issue a one-time link for an account to choose a new password (shown this once, to pass
    on); the account's sessions end when it is used."""
    with store.session() as db:
        account = db.get(Account, account_id)
        if account is None:
            return _accounts_page(db, 404, errors={"change": _("There is no such account.")})
        try:
            token = accounts.issue_reset(
                db, account, current_account(), clock.now(), request.remote_addr
            )
        except AccountError as exc:
            return _accounts_page(db, 422, errors={"change": exc.message})
        db.commit()
        link = url_for("auth.reset", token=token, _external=True)
        return _accounts_page(db, 201, reset={"email": account.email, "link": link})


def _csrf_refused(exc: CSRFError):
    # flask-wtf logs the reason; the page says what to do, in the site's layout.
    return render_template("auth/csrf.html"), 400


def init_app(app: Flask) -> None:
    """Start sessions and CSRF protection on the app; the `auth` blueprint is registered by
    the caller, which also exempts the blueprints whose forms change nothing."""
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # pages say why they ask to sign in; nothing is flashed
    login_manager.init_app(app)
    # A form left open over lunch must still send: the token lives as long as the session, which
    # PERMANENT_SESSION_LIFETIME bounds.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # The site sends no Referer (privacy): flask-wtf's HTTPS referrer check would refuse every
    # form, so the token (with a SameSite=Lax session cookie) is the protection.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.jinja_env.globals.update(home_path=home_path)
