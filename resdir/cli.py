"""Run resdir's command line: thin commands that call library functions and print summaries."""

import functools
import gc
import json
import logging
import os
import re
import shlex
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    track,
)
from rich.table import Table
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError
from werkzeug.serving import WSGIRequestHandler, run_simple

from resdir import clock, geo, store, vocab

RAW_LIMIT = 2000  # characters of a rejected record's raw form shown by `resdir problems --raw`
PLAIN_WIDTH = 160  # tables are this wide when not on a terminal (CI logs, pipes)


def _console() -> Console:
    # Plain, colourless output when not on a terminal (CI, pipes, log files).
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=PLAIN_WIDTH)


def _require_tables() -> None:
    if not inspect(store.engine()).has_table("listings"):
        raise click.ClickException("the database has no tables yet; run `resdir init-db` first")


def _geocoder() -> geo.Geocoder:
    config = current_app.config
    return geo.Geocoder(
        config["GEOCODER"], config["GEOCODER_MIN_DELAY_SECONDS"], config["GEOCODER_TIMEOUT_SECONDS"]
    )


def _summary(reports, console: Console, dry_run: bool) -> None:
    from ingest.pipeline import COUNTS

    title = "ingest summary (dry run: nothing written)" if dry_run else "ingest summary"
    table = Table(title=title, title_justify="left")
    table.add_column("source")
    table.add_column("reader")
    for name in COUNTS:
        table.add_column(name, justify="right")
    table.add_column("problems", justify="right")
    for report in reports:
        if report.status == "failed":
            table.add_row(report.source, report.reader or "-", "failed", *[""] * (len(COUNTS)))
            continue
        table.add_row(
            report.source,
            report.reader,
            *(str(report.counts[n]) for n in COUNTS),
            str(len(report.problems)),
        )
    console.print(table)


def _check_format(ctx, param, value: str) -> str:
    # The choices live with the readers; ingest is imported only when a command runs.
    from ingest.readers import FORMATS

    if value not in FORMATS:
        choices = ", ".join(repr(f) for f in FORMATS)
        raise click.BadParameter(f"{value!r} is not one of {choices}.", ctx, param)
    return value


INGEST_LOG = "ingest.log"  # in the instance folder: what went wrong, tracebacks included


class _Terminal(logging.Handler):
    """Say a warning on the terminal as one line (an error is the report's own line there, its
    traceback in the log file)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR:
            click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _log_ingest() -> None:
    """Send the ingest's log to INGEST_LOG in full, and its warnings to the terminal one line
    each (a reader's bug is one line there, its traceback in the file)."""
    path = Path(current_app.instance_path) / INGEST_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_terminal = _Terminal(logging.WARNING)
    logger = logging.getLogger("ingest")
    for handler in logger.handlers:
        handler.close()
    logger.handlers = [to_file, to_terminal]
    logger.setLevel(logging.INFO)


def _update_index(reports, console: Console) -> None:
    """Bring the search indexes up to date: the outbox's changes, or a rebuild when stops changed.

    Every search document carries its distance to the nearest transit stop, so new or removed
    stops touch every document. An index that cannot be reached now does not fail the ingest:
    the changes wait in the outbox.
    """
    from resdir import search

    stops_changed = any(
        r.reader == "gtfs" and (r.counts["created"] or r.counts["updated"] or r.counts["removed"])
        for r in reports
    )
    for engine in search.engines():
        try:
            with store.session() as session:
                if stops_changed:
                    count = search.rebuild(engine, session)
                    console.print(f"search index ({engine.name}) rebuilt: {count} listings")
                else:
                    count = search.sync(engine, session)
                    console.print(f"search index ({engine.name}) updated: {count} listings")
        except (search.SearchUnavailable, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not store.transient(exc):
                raise
            later = "run resdir reindex" if stops_changed else "the changes wait in the outbox"
            console.print(f"search index ({engine.name}) not updated, {later}: {exc}")
        except search.DocumentsRefused as exc:
            console.print(f"search index ({engine.name}) not rebuilt, the old one serves: {exc}")


@click.command("ingest")
@with_appcontext
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    callback=_check_format,
    metavar="FORMAT",
    help="Source format; auto detects it from the file.",
)
@click.option("--mapping", type=click.Path(path_type=Path), help="Mapping file of an agency CSV.")
@click.option("--source-id", help="Id of the source (default: from the file name).")
@click.option(
    "--report", "report_path", type=click.Path(path_type=Path), help="Write the JSON report here."
)
@click.option("--dry-run", is_flag=True, help="Read and check everything, write nothing.")
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Let a full snapshot unpublish more of its source than RESDIR_MAX_SHRINK allows.",
)
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    help="Services asked for per page of a remote HSDS API (default 100).",
)
def ingest_command(
    paths, fmt, mapping, source_id, report_path, dry_run, allow_shrink, page_size
) -> None:
    """Ingest sources (files, folders, a manifest or a remote HSDS 3.0 API's URL) into the
    store."""
    from ingest.manifest import specs_from_args
    from ingest.pipeline import Shrink, run_source
    from ingest.problems import SourceError

    store.init_db()  # a new database gets its tables; an existing one keeps them as they are
    try:
        specs = specs_from_args(list(paths), fmt, mapping, source_id, page_size)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc
    console = _console()
    _log_ingest()
    geocoder = _geocoder()
    # The gazetteer is some 170,000 objects that live as long as the process: loaded and frozen
    # first, they are not rescanned by every full garbage collection (a tenth of an ingest).
    geo.load_gazetteer()
    gc.freeze()
    show_progress = console.is_terminal and not os.environ.get("CI")
    reports = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=True,
    ) as progress:
        for spec in specs:
            task = progress.add_task(spec.id, total=None)
            limit = current_app.config["MAX_SHRINK"] if spec.max_shrink is None else spec.max_shrink
            with store.session() as session:
                report = run_source(
                    session,
                    spec,
                    geocoder,
                    dry_run=dry_run,
                    shrink=Shrink(limit, allow_shrink),
                    on_item=lambda t=task: progress.advance(t),
                )
            reports.append(report)
    _summary(reports, console, dry_run)
    if not dry_run:
        _update_index(reports, console)
    if report_path:
        body = {"dry_run": dry_run, "sources": [r.as_dict() for r in reports]}
        report_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", "utf-8")
    failed = [r for r in reports if r.status == "failed"]
    for report in failed:
        click.echo(f"error: {report.source}: {report.error}", err=True)
    held = [r for r in reports if r.counts["held_back"]]
    if held:
        again = ["resdir", "ingest", *map(str, paths)]
        for option, value in (("--format", fmt != "auto" and fmt), ("--mapping", mapping)):
            again += [option, str(value)] if value else []
        again += ["--source-id", source_id] if source_id else []
        for report in held:
            refusal = next(p.message for p in report.problems if p.type == "snapshot-shrink")
            command = shlex.join([*again, "--allow-shrink"])
            click.echo(f"error: {report.source}: {refusal}: {command}", err=True)
    if failed or held:
        sys.exit(1)


@click.command("problems")
@with_appcontext
@click.option("--source", "source_id", help="Only this source.")
@click.option(
    "--severity",
    type=click.Choice(["error", "warning"]),
    help="Only rejected records (error) or accepted ones with a fix (warning).",
)
@click.option("--type", "type_", help="Only this problem type (slug).")
@click.option("--limit", default=50, show_default=True, help="Rows to show (0 for all).")
@click.option("--raw", is_flag=True, help="Show the raw form of rejected records.")
def problems_command(source_id, severity, type_, limit, raw) -> None:
    """List the problems of each source's latest run: the quarantine."""
    _require_tables()
    query = select(store.ProblemRow).order_by(store.ProblemRow.source_id, store.ProblemRow.id)
    for column, value in (
        (store.ProblemRow.source_id, source_id),
        (store.ProblemRow.severity, severity),
        (store.ProblemRow.type, type_),
    ):
        if value:
            query = query.where(column == value)
    with store.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.limit(limit) if limit else query).all()
    console = _console()
    shown = f", first {len(rows)}" if len(rows) < total else ""
    console.print(f"{total} problems{shown}")
    # One problem a line, easy to read in a log and to grep.
    for row in rows:
        where = ":".join(str(x) for x in (row.record_key, row.line) if x is not None)
        field = f" [{row.field}]" if row.field else ""
        console.print(
            f"{row.source_id} {row.severity} {row.type} {where}{field}: {row.message}",
            markup=False,
        )
        if raw and row.raw is not None:
            text = json.dumps(row.raw, ensure_ascii=False)[:RAW_LIMIT]
            console.print(f"    raw: {text}", markup=False)


@click.command("stats")
@with_appcontext
def stats_command() -> None:
    """Show what the directory holds: listings by category and status, sources, stops."""
    from resdir.listings import category_counts, stop_count

    _require_tables()
    console = _console()
    with store.session() as session:
        counts = category_counts(session)
        runs = session.execute(
            select(
                store.IngestRun.source_id,
                store.IngestRun.status,
                store.IngestRun.counts,
                store.IngestRun.finished_at,
            )
            .where(
                store.IngestRun.id.in_(
                    select(func.max(store.IngestRun.id)).group_by(store.IngestRun.source_id)
                )
            )
            .order_by(store.IngestRun.source_id)
        ).all()
        stops = stop_count(session)
    table = Table(title="listings", title_justify="left")
    table.add_column("category")
    table.add_column("published", justify="right")
    table.add_column("unpublished", justify="right")
    for category, label in vocab.CATEGORY_LABELS.items():
        row = counts.get(category, {})
        table.add_row(label, str(row.get("published", 0)), str(row.get("unpublished", 0)))
    console.print(table)
    sources = Table(title="sources (latest run)", title_justify="left")
    shown = ("read", "accepted", "rejected", "held_back")
    for name in ("source", "status", *shown, "finished"):
        sources.add_column(name)
    for source_id, status, run_counts, finished in runs:
        sources.add_row(
            source_id,
            status,
            *(str(run_counts.get(name, 0)) for name in shown),
            finished.isoformat(timespec="seconds") if finished else "",
        )
    console.print(sources)
    console.print(f"transit stops: {stops}")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search indexes from the store: the engine's, then its fallback's (searches
    use the old ones until each is done)."""
    from resdir import search

    _require_tables()
    console = _console()
    for engine in search.engines():

        def progress(docs, total, name=engine.name):
            return track(
                docs,
                total=total,
                description=f"indexing ({name})",
                console=console,
                disable=not console.is_terminal or bool(os.environ.get("CI")),
                transient=True,
            )

        started = time.perf_counter()
        try:
            with store.session() as session:
                count = search.rebuild(engine, session, progress)
        except (search.SearchUnavailable, search.DocumentsRefused) as exc:
            raise click.ClickException(
                f"reindex failed, the old index still serves: {exc}"
            ) from exc
        seconds = time.perf_counter() - started
        click.echo(f"indexed {count} published listings ({engine.name}) in {seconds:.1f} s")


QUERY_STRING = re.compile(r"\?\S*")
# Invitation and password reset links are one-time secrets.
INVITATION_TOKEN = re.compile(r"(/(?:invite|reset)/)[^\s/?]+")


def loggable(line: str) -> str:
    """Return a request line fit for a log: no query string, no invitation or reset token."""
    return INVITATION_TOKEN.sub(r"\1[token]", QUERY_STRING.sub("", line))


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Log each request's path without its query string (a search URL carries a profile) or
    an invitation's or reset link's token, and without the client's address (a person who
    searches or reports a listing is nobody the log needs to know)."""

    def address_string(self) -> str:
        """Stand for the client's address with "-" in the log."""
        return "-"

    def log_request(self, code="-", size="-") -> None:
        """Log the request line with the query string and any invitation token cut out."""
        # werkzeug logs `self.path`, or the raw request line when it could not parse it; nothing
        # reads either again once the response has started.
        self.requestline = loggable(self.requestline)
        if hasattr(self, "path"):
            self.path = loggable(self.path)
        super().log_request(code, size)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve_command(host, port) -> None:
    """Serve the app with the development server (production: gunicorn "resdir:create_app()")."""
    # app.run() refuses to start from inside the flask CLI; run werkzeug's server directly.
    run_simple(
        host,
        port,
        current_app._get_current_object(),
        threaded=True,
        request_handler=PathOnlyRequestHandler,
    )


@click.command("invite")
@with_appcontext
@click.argument("email")
@click.option("--admin", "as_admin", is_flag=True, help="Invite an administrator.")
@click.option(
    "--organization", "organization_id", metavar="ORG_ID", help="Invite staff of this organization."
)
@click.option(
    "--reset",
    is_flag=True,
    help="Give a joined account a one-time link to choose a new password instead.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="The site's address as people open it.",
)
def invite_command(email, as_admin, organization_id, reset, base_url) -> None:
    """Invite an administrator or an organization's staff, or (--reset) let an account choose a
    new password: print the one-time link to pass on (the first administrator is invited this
    way)."""
    from flask import url_for

    from resdir import accounts

    _require_tables()
    if reset:
        if as_admin or organization_id:
            raise click.UsageError("--reset takes neither --admin nor --organization")
        _reset_link(email, base_url)
        return
    if as_admin == bool(organization_id):
        raise click.UsageError("give either --admin or --organization ORG_ID")
    role = "admin" if as_admin else "staff"
    with store.session() as session:
        try:
            token = accounts.invite(session, email, role, organization_id, None, clock.now())
        except accounts.AccountError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
    with current_app.test_request_context(base_url=base_url):
        link = url_for("auth.join", token=token, _external=True)
    days = current_app.config["INVITATION_DAYS"]
    click.echo(
        f"invitation for {accounts.normalize_email(email)} ({role}): "
        f"the link works once, for {days} days"
    )
    click.echo(link)


def _reset_link(email: str, base_url: str) -> None:
    """Issue a password reset link for the account of `email` and print it."""
    from flask import url_for

    from resdir import accounts

    with store.session() as session:
        account = accounts.account_by_email(session, email)
        if account is None:
            raise click.ClickException(f"no account has the email {email}")
        try:
            token = accounts.issue_reset(session, account, None, clock.now())
        except accounts.AccountError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
    with current_app.test_request_context(base_url=base_url):
        link = url_for("auth.reset", token=token, _external=True)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    click.echo(
        f"password reset for {account.email}: the link works once, for {hours} hours; "
        "every session of the account ends when it is used"
    )
    click.echo(link)


@click.group("export")
def export_group() -> None:
    """Write the directory out in another format, for other apps to read."""


@export_group.command("meeting-guide")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_meeting_guide_command(path) -> None:
    """Write every published meeting as a Meeting Guide feed (the document /meetings.json
    serves)."""
    from resdir import meeting_feed

    _require_tables()
    with store.session() as session:
        entries = meeting_feed.meetings(session)
    try:
        path.write_text(meeting_feed.dumps(entries), "utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
    listings = len({entry["slug"].split(meeting_feed.SLUG_SEPARATOR)[0] for entry in entries})
    click.echo(f"wrote {len(entries)} meetings ({listings} listings) to {path}")


@export_group.command("hsds")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Write PATH as one JSON array of full services (the spec's service_package) instead "
    "of a folder of CSV tables with datapackage.json.",
)
def export_hsds_command(path, as_json) -> None:
    """Write every published listing as Open Referral HSDS 3.0: a tabular data package in the
    folder PATH (made if missing), or with --json the services in the file PATH."""
    from resdir import hsds_export
    from resdir.api import hsds_catalog

    _require_tables()
    console = _console()
    with store.session() as session:
        found = hsds_catalog.build(session, 0)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} services"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal or bool(os.environ.get("CI")),
        transient=True,
    ) as progress:
        task = progress.add_task("hsds", total=len(found.entries))
        advance = functools.partial(progress.advance, task)
        if as_json:
            services = hsds_export.services(found.entries, advance)
        else:
            rows = hsds_export.rows(found, advance)
    organizations = len(found.organizations)
    try:
        if as_json:
            hsds_export.write_json(path, services)
        else:
            hsds_export.write_tabular(path, rows)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
    if as_json:
        click.echo(f"wrote {len(services):,} services ({organizations:,} organizations) to {path}")
        return
    locations, tables = len(rows["location"]), len(hsds_export.tables())
    click.echo(
        f"wrote {len(rows['service']):,} services ({organizations:,} organizations, "
        f"{locations:,} locations) in {tables} tables and {hsds_export.DATAPACKAGE} to {path}"
    )


@click.group("db")
def db_group() -> None:
    """Upgrade, inspect and back up the store's database."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade_command() -> None:
    """Apply every migration the database lacks (a new database gets every table)."""
    from resdir import database

    try:
        done = database.upgrade()
    except database.SchemaMismatch as exc:
        raise click.ClickException(str(exc)) from exc
    url = store.engine().url.render_as_string(hide_password=True)
    if done.adopted:
        upgraded = "" if done.after == done.before else f", upgraded to {done.after}"
        click.echo(
            f"database made before migrations taken as revision {done.before}{upgraded}: {url}"
        )
    elif done.before == done.after:
        click.echo(f"database at revision {done.after}, the newest: {url}")
    else:
        click.echo(f"database upgraded from {done.before or 'empty'} to {done.after}: {url}")


@db_group.command("current")
@with_appcontext
def db_current_command() -> None:
    """Print the database's revision and whether it is the newest."""
    from resdir import database

    with store.engine().connect() as connection:
        current = database.revision(connection)
    newest = database.head()
    if current == newest:
        click.echo(f"revision {current}, the newest")
    else:
        click.echo(f"revision {current or 'none'}, the newest is {newest}: run `resdir db upgrade`")


@db_group.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup_command(path) -> None:
    """Copy the SQLite store to PATH while it serves (SQLite's online backup); restore it by
    pointing RESDIR_DATABASE at the copy."""
    from resdir import database

    try:
        done = database.backup(path)
    except database.BackupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {done.listings:,} listings ({done.size:,} bytes) to {done.path}")


def init_app(app) -> None:
    """Register the commands on the app's CLI (`flask --app resdir ...` and `resdir ...`)."""
    for command in (
        ingest_command,
        problems_command,
        stats_command,
        reindex_command,
        serve_command,
        invite_command,
        export_group,
        db_group,
    ):
        app.cli.add_command(command)


def _create_app():
    from resdir import config, create_app

    try:
        return create_app()
    except config.ConfigError as error:  # a setting resdir cannot run with: one line, exit 1
        raise click.ClickException(str(error)) from None


main = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    help="resdir: community resource directory for recovery peer support.",
)
