"""Say in plain words why a listing fits, what is unknown, and what was hidden.

Reasons come in the order a person reads them: the need it meets, how to get there, when, fit
with barriers and values, then freshness. Each is `{code, text, met}` with `met` true (fits),
false (does not) or null (unknown: call to confirm). The texts are in the request's language
(resdir.i18n); the codes stay the same in every language.
"""

from datetime import UTC, datetime

from langcodes import Language

from resdir import vocab
from resdir.config import DEFAULTS
from resdir.i18n import _, _l, clock, in_sentence, label, language, ngettext, weekday, words
from resdir.matching.plan import MatchPlan
from resdir.matching.rules import Evaluation, fact
from resdir.matching.time import Occurrence, next_occurrence

FRESH_DAYS = 90
CAPACITY_STALE_DAYS = 7
TRIP_WORDS = {
    "walk": _l("About %(minutes)d min on foot (estimate), %(km)s km"),
    "transit": _l("About %(minutes)d min by transit (estimate), %(km)s km"),
    "car": _l("About %(minutes)d min by car (estimate), %(km)s km"),
}
COST_WORDS = {
    "free": _l("Free"),
    "sliding_scale": _l("Sliding-scale fee"),
    "insurance": _l("Takes insurance"),
    "fee": _l("Charges a fee"),
}
RULE_WORDS = {
    "travel": _l("Reachable without a car"),
    "cost": _l("Free or sliding scale"),
    "evening_hours": _l("Open evenings or weekends"),
    "in_person": _l("Meets in person"),
    "confidential": _l("Confidential location"),
}


def _reason(code: str, text: str, met: bool | None) -> dict:
    return {"code": code, "text": text, "met": met}


def age(days: float) -> str:
    """Return how long ago, in words: "today", "3 days ago", "5 months ago"."""
    if days < 1:
        return _("today")
    if days < 2:
        return _("yesterday")
    if days < 60:
        return ngettext("%(num)d day ago", "%(num)d days ago", int(days))
    if days < 730:
        return ngettext("%(num)d month ago", "%(num)d months ago", int(days // 30))
    return ngettext("%(num)d year ago", "%(num)d years ago", int(days // 365))


def _days_since(epoch: float | None, now: datetime) -> float | None:
    return None if epoch is None else (now.timestamp() - epoch) / 86400


def _language_names(codes) -> str:
    return ", ".join(Language.get(c).display_name(language()) for c in codes)


def when_text(occurrence: Occurrence, kind: str) -> str:
    """Return "Meets Tuesday 7:30 PM" or "Open Tuesday 9:00 AM–5:00 PM" for an occurrence."""
    start, end = occurrence.start, occurrence.end
    if kind == "meeting":
        return _("Meets %(day)s %(time)s", day=weekday(start), time=clock(start))
    return _(
        "Open %(day)s %(opens)s–%(closes)s",
        day=weekday(start),
        opens=clock(start),
        closes=clock(end),
    )


def _fact_reason(code: str, value: str, strength: str, positive: str, question: str) -> dict:
    if strength == "avoid":
        if value == "yes":
            return _reason(code, _("%(fact)s (you'd rather avoid)", fact=positive), False)
        if value == "no":
            return _reason(code, _("%(fact)s: no", fact=positive), True)
    elif value == "yes":
        return _reason(code, positive, True)
    elif value == "no":
        return _reason(code, _("%(fact)s: no", fact=positive), False)
    return _reason(code, _("Call to confirm: %(question)s", question=question), None)


def _barrier_words(code: str, sdoc: dict, plan: MatchPlan) -> tuple[str, str]:
    """Return how a barrier reads when a listing suits it, and the question when unknown."""
    barrier = vocab.BARRIERS[code]
    if barrier.rule == "language":
        names = _language_names(plan.languages)
        return (
            _("Serves in %(languages)s", languages=names),
            _("Do they serve in %(languages)s?", languages=names),
        )
    if barrier.rule == "confidential" and not sdoc["confidential"]:
        return (
            label(vocab.ATTRIBUTES[barrier.helps[0]].label),  # fits by being women-only
            _("Is it safe for a survivor (confidential, or women only)?"),
        )
    if barrier.rule in RULE_WORDS:
        return (
            str(RULE_WORDS[barrier.rule]),
            _("%(barrier)s: does it suit?", barrier=label(barrier.label)),
        )
    attribute = vocab.ATTRIBUTES[barrier.attributes[0]]
    return label(attribute.label), label(attribute.question)


def _value_words(code: str) -> tuple[str, str]:
    """Return a value's name, and the question when a listing's fact for it is unknown."""
    name = label(vocab.VALUES[code].label)
    if code in vocab.ATTRIBUTES:
        return name, label(vocab.ATTRIBUTES[code].question)
    return name, _("Is it %(value)s?", value=in_sentence(name))


def open_questions(sdoc: dict, plan: MatchPlan, profile: dict) -> list[str]:
    """Return what is unknown about a listing for the profile's barriers and values, as the
    questions its "call to confirm" reasons ask, in the same order."""
    asked = [
        _barrier_words(code, sdoc, plan)[1]
        for code in profile.get("barriers") or {}
        if fact(sdoc, f"barrier:{code}", plan) == "unknown"
    ]
    asked.extend(
        _value_words(code)[1]
        for code in profile.get("values") or {}
        if fact(sdoc, code, plan) == "unknown"
    )
    return asked


def reasons(
    doc: dict,
    sdoc: dict,
    plan: MatchPlan,
    evaluation: Evaluation,
    occurrence: Occurrence | None,
    profile: dict,
    stale_days: int = DEFAULTS["STALE_DAYS"],
) -> list[dict]:
    """Return the reasons a listing fits (or not), in reading order; a listing verified more
    than `stale_days` ago (RESDIR_STALE_DAYS) says "call to confirm"."""
    out = []
    subs = [label(vocab.NEEDS[doc["category"]][1].get(s, s)) for s in doc["subcategories"]]
    out.append(
        _reason("need", ", ".join(subs) or label(vocab.CATEGORY_LABELS[doc["category"]]), True)
    )
    trip = evaluation.travel
    if plan.origin is not None:
        if trip.mode is not None:
            text = str(TRIP_WORDS[trip.mode]) % {
                "minutes": round(trip.minutes),
                "km": f"{trip.km:.1f}",
            }
            too_far = evaluation.hidden is not None and evaluation.hidden.kind == "reach"
            out.append(_reason("travel", text, not too_far))
        elif sdoc["online"]:
            out.append(_reason("travel", _("Online: join from anywhere"), True))
        elif trip.reach == "yes" and sdoc["area"]:
            out.append(_reason("travel", _("Serves your area"), True))
        elif trip.reach == "yes":
            out.append(_reason("travel", _("Provides transportation"), True))
        else:
            out.append(_reason("travel", _("Call to confirm they serve your area"), None))
    if plan.window is not None:
        if occurrence is not None:
            out.append(_reason("when", when_text(occurrence, doc["kind"]), True))
        else:
            out.append(_reason("when", _("Hours not listed: call to confirm"), None))
    for code, strength in (profile.get("barriers") or {}).items():
        value = fact(sdoc, f"barrier:{code}", plan)
        positive, question = _barrier_words(code, sdoc, plan)
        out.append(_fact_reason(f"barrier:{code}", value, strength, positive, question))
    for code, strength in (profile.get("values") or {}).items():
        value = fact(sdoc, code, plan)
        name, question = _value_words(code)
        out.append(_fact_reason(f"value:{code}", value, strength, name, question))
    if plan.gender and sdoc["genders"]:
        genders = words([in_sentence(label(vocab.GENDERS[g])) for g in sdoc["genders"]])
        out.append(_reason("gender", _("For %(genders)s", genders=genders), True))
    if plan.age is not None and (sdoc["min_age"] is not None or sdoc["max_age"] is not None):
        low, high = sdoc["min_age"], sdoc["max_age"]
        if high is None:
            text = _("Ages %(low)d+", low=low)
        elif low is None:
            text = _("Ages up to %(high)d", high=high)
        else:
            text = _("Ages %(low)d–%(high)d", low=low, high=high)
        out.append(_reason("age", text, True))
    if plan.languages and "limited_english" not in (profile.get("barriers") or {}):
        spoken = set(plan.languages) & set(sdoc["languages"])
        if spoken:
            text = _("Serves in %(languages)s", languages=_language_names(sorted(spoken)))
            out.append(_reason("language", text, True))
    if plan.low_income is False and sdoc["cost"] in COST_WORDS:
        met = None if sdoc["cost"] == "fee" else True
        out.append(_reason("cost", str(COST_WORDS[sdoc["cost"]]), met))
    out.extend(_freshness(doc, sdoc, plan.now, stale_days))
    return out


def _freshness(doc: dict, sdoc: dict, now: datetime, stale_days: int) -> list[dict]:
    out = []
    available, days = sdoc["available"], _days_since(sdoc["available_at"], now)
    if available is not None:
        places = capacity_open(available, doc["capacity"]["unit"])
        stale = days is None or days > CAPACITY_STALE_DAYS
        if days is None:
            text = _("%(places)s: call to confirm", places=places)
        elif stale:
            text = _("%(places)s as of %(when)s: call to confirm", places=places, when=age(days))
        else:
            text = _("%(places)s as of %(when)s", places=places, when=age(days))
        out.append(_reason("capacity", text, None if stale else available > 0))
    days = _days_since(sdoc["verified_at"], now)
    if days is None:
        out.append(_reason("freshness", _("Never verified: call to confirm"), None))
    elif days > stale_days:
        text = _("Last checked %(when)s: call to confirm", when=age(days))
        out.append(_reason("freshness", text, None))
    else:
        text = _("Checked %(when)s", when=age(days))
        out.append(_reason("freshness", text, days <= FRESH_DAYS or None))
    return out


def capacity_open(available: int, unit: str) -> str:
    """Return "2 beds open", "No seats open", "1 slot open" (units: vocab.CAPACITY_UNITS)."""
    if not available:
        return {"beds": _("No beds open"), "seats": _("No seats open")}.get(unit) or _(
            "No slots open"
        )
    if unit == "beds":
        return ngettext("%(num)d bed open", "%(num)d beds open", available)
    if unit == "seats":
        return ngettext("%(num)d seat open", "%(num)d seats open", available)
    return ngettext("%(num)d slot open", "%(num)d slots open", available)


def next_time(doc: dict, plan: MatchPlan) -> Occurrence | None:
    """Return the listing's next occurrence: in the window when there is one, else from now."""
    if not doc["schedule"].get("intervals") or not doc.get("timezone"):
        return None
    start = plan.window[0] if plan.window else plan.now
    return next_occurrence(doc["schedule"], doc["kind"], doc["timezone"], start.astimezone(UTC))
