"""A member of the public reports a problem with a listing, with no account: the form on the
listing page, the post (CSRF, the per-address limit, bad fields), the admin's queue and the
agency's portal, "Reported N days ago" on the app's clock, and nothing kept about the reporter."""

import logging
import re
import threading
from datetime import timedelta

from sqlalchemy import inspect, select, text

from resdir import store
from resdir.store import ListingReport
from tests.clock import NOW
from tests.functional.test_agency_pages import ADMIN, NOE_HOUSE, STAFF, signed_in, text_of

PAGE = f"/listings/{NOE_HOUSE}"
REPORT = f"/listings/{NOE_HOUSE}/report"
REPORTER = "203.0.113.77"
REPORTER_AGENT = "ReporterPhone/7.1 (unique-agent-8839)"


def reports_of(app) -> list[ListingReport]:
    """Return every report, oldest first."""
    with app.app_context(), store.session() as session:
        return list(session.scalars(select(ListingReport).order_by(ListingReport.created_at)))


def send(client, problem="wrong_phone", note="The number rings a closed office.", **kwargs):
    """Post a report on Noe House from the client."""
    return client.post(REPORT, data={"problem": problem, "note": note}, **kwargs)


def test_every_listing_page_has_a_short_report_form_that_asks_nothing_about_the_person(
    directory,
):
    listing = directory.test_client().get(PAGE)
    # The listing links to the form, on a page of its own: only a person who reports gets the
    # session cookie holding the form's CSRF token.
    assert "Set-Cookie" not in listing.headers
    assert f'<a href="{REPORT}">Report a problem with this listing</a>' in listing.get_data(
        as_text=True
    )
    html = directory.test_client().get(REPORT).get_data(as_text=True)
    form = re.search(r'<form class="report-form".*?</form>', html, re.S)[0]
    assert f'action="{REPORT}"' in form
    names = set(re.findall(r'name="([^"]+)"', form))
    assert names == {"csrf_token", "problem", "note"}
    assert re.findall(r'name="problem" value="([^"]+)"', form) == [
        "wrong_phone",
        "closed",
        "moved",
        "other",
    ]
    assert "Report a problem with this listing" in text_of(directory.test_client().get(REPORT))


def test_a_report_reaches_the_admin_queue_the_agency_portal_and_the_listing_page(directory):
    assert "Thank you: your report was sent" in text_of(send(directory.test_client()))
    directory.config["NOW"] = NOW + timedelta(days=3, hours=2)
    page = text_of(directory.test_client().get(PAGE))
    assert "Reported 3 days ago" in page
    spanish = text_of(directory.test_client().get(PAGE + "?lang=es"))
    assert "Avisado hace 3 días" in spanish and "Avisar de un problema con este anuncio" in spanish
    queue = text_of(signed_in(directory, ADMIN).get("/admin"))
    assert "Reports from the public (1)" in queue
    assert "Noe House The phone number is wrong" in queue
    assert "The number rings a closed office." in queue
    portal = text_of(signed_in(directory, STAFF).get("/agency"))
    noe = portal[portal.index("Noe House") : portal.index("Still accurate")]
    assert "Reported by the public The phone number is wrong, sent" in noe
    assert "The number rings a closed office." in noe


def test_a_report_sent_today_says_today(directory):
    send(directory.test_client())
    assert "Reported today" in text_of(directory.test_client().get(PAGE))


def test_a_bad_problem_or_a_long_note_is_refused_naming_the_field(directory):
    client = directory.test_client()
    for problem in ("", "spam", "WRONG_PHONE"):
        response = send(client, problem=problem)
        assert response.status_code == 400
        assert "Choose what is wrong with this listing." in text_of(response)
        assert 'id="problem" aria-describedby="problem-error"' in response.get_data(as_text=True)
    assert client.post(REPORT, data={}).status_code == 400
    long = send(client, note="x" * 501)
    assert long.status_code == 400
    assert "Keep the note to 500 characters or fewer." in text_of(long)
    assert "x" * 501 in long.get_data(as_text=True)  # kept in the form to shorten
    assert reports_of(directory) == []
    assert send(client, note="x" * 500).status_code == 200
    assert client.post("/listings/nope/report", data={"problem": "closed"}).status_code == 404


def test_a_report_posted_without_its_csrf_token_is_refused(directory):
    directory.config["WTF_CSRF_ENABLED"] = True
    client = directory.test_client()
    refused = send(client)
    assert refused.status_code == 400
    assert "This form could not be sent" in text_of(refused)
    page = client.get(REPORT).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    sent = client.post(REPORT, data={"problem": "closed", "csrf_token": token})
    assert sent.status_code == 200
    assert [r.problem for r in reports_of(directory)] == ["closed"]


def test_reports_are_limited_per_address_with_a_friendly_page(directory):
    directory.config["REPORT_RATE_LIMIT"] = "2/hour"
    client = directory.test_client()
    one = {"environ_base": {"REMOTE_ADDR": REPORTER}}
    assert [send(client, **one).status_code for _ in range(2)] == [200, 200]
    refused = send(client, **one)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert "Please try again in 60 minutes." in text_of(refused)
    other = send(client, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert other.status_code == 200
    directory.config["NOW"] = NOW + timedelta(hours=1)
    assert send(client, **one).status_code == 200
    assert len(reports_of(directory)) == 4


def test_nothing_of_the_reporter_is_kept_in_the_tables_or_the_logs(directory, caplog):
    caplog.set_level(logging.DEBUG)
    response = send(
        directory.test_client(),
        environ_base={"REMOTE_ADDR": REPORTER},
        headers={"User-Agent": REPORTER_AGENT},
    )
    assert response.status_code == 200
    assert len(reports_of(directory)) == 1
    with directory.app_context(), store.engine().connect() as connection:
        for table in inspect(connection).get_table_names():
            for values in connection.execute(text(f'SELECT * FROM "{table}"')):
                kept = " ".join(str(v) for v in values)
                assert REPORTER not in kept and "unique-agent" not in kept, table
    assert REPORTER not in caplog.text and "unique-agent" not in caplog.text


def test_an_admin_dismisses_a_report_and_the_listing_page_no_longer_says_it(directory):
    send(directory.test_client())
    admin = signed_in(directory, ADMIN)
    report = reports_of(directory)[0].id
    response = admin.post(f"/admin/reports/{report}/dismiss", follow_redirects=True)
    assert "Report dismissed." in text_of(response)
    assert "No reports from the public are waiting." in text_of(response)
    assert "Reported" not in text_of(directory.test_client().get(PAGE))
    again = admin.post(f"/admin/reports/{report}/dismiss", follow_redirects=True)
    assert "That report was decided already." in text_of(again)
    assert signed_in(directory, STAFF).post(f"/admin/reports/{report}/dismiss").status_code == 403


def test_an_admin_marks_a_reported_listing_temporarily_closed(directory):
    send(directory.test_client(), problem="closed", note="")
    admin = signed_in(directory, ADMIN)
    report = reports_of(directory)[0]
    assert report.note is None
    response = admin.post(f"/admin/reports/{report.id}/close", follow_redirects=True)
    assert "The listing is marked temporarily closed." in text_of(response)
    page = text_of(directory.test_client().get(PAGE))
    assert "Temporarily closed" in page and "Reported" not in page
    assert reports_of(directory)[0].status == "acted"
    history = text_of(admin.get(f"/admin/listings/{NOE_HOUSE}/history"))
    assert ADMIN in history


def test_reports_sent_while_an_admin_dismisses_are_none_of_them_lost(directory):
    senders = 8
    send(directory.test_client(), note="the first")
    first = reports_of(directory)[0].id
    admin = signed_in(directory, ADMIN)
    start = threading.Barrier(senders + 1)
    statuses = []

    def report(n: int) -> None:
        client = directory.test_client()
        start.wait()
        statuses.append(
            send(
                client, note=f"report {n}", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
            ).status_code
        )

    def dismiss() -> None:
        start.wait()
        statuses.append(admin.post(f"/admin/reports/{first}/dismiss").status_code)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(senders)]
    threads.append(threading.Thread(target=dismiss))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * senders + [302]
    kept = {r.note: r.status for r in reports_of(directory)}
    assert kept == {"the first": "dismissed"} | {f"report {n}": "open" for n in range(senders)}
    queue = text_of(admin.get("/admin"))
    assert f"Reports from the public ({senders})" in queue
