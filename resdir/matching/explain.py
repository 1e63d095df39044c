"""Say in plain words why a listing fits, what is unknown, and what was hidden.

Reasons come in the order a person reads them: the need it meets, how to get there, when, fit
with barriers and values, then freshness. Each is `{code, text, met}` with `met` true (fits),
false (does not) or null (unknown: call to confirm). The texts are English; the codes let a later
translation replace them.
"""

from datetime import UTC, datetime

from langcodes import Language

from resdir import vocab
from resdir.matching.plan import MatchPlan
from resdir.matching.rules import Evaluation, fact
from resdir.matching.time import Occurrence, next_occurrence

STALE_DAYS = 365  # verified longer ago than this: "call to confirm"
FRESH_DAYS = 90
CAPACITY_STALE_DAYS = 7
MODE_WORDS = {"walk": "on foot", "transit": "by transit", "car": "by car"}
COST_WORDS = {
    "free": "Free",
    "sliding_scale": "Sliding-scale fee",
    "insurance": "Takes insurance",
    "fee": "Charges a fee",
}
RULE_WORDS = {
    "travel": "Reachable without a car",
    "cost": "Free or sliding scale",
    "evening_hours": "Open evenings or weekends",
    "in_person": "Meets in person",
    "confidential": "Confidential location",
}


def _reason(code: str, text: str, met: bool | None) -> dict:
    return {"code": code, "text": text, "met": met}


def _age(days: float) -> str:
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 60:
        return f"{int(days)} days ago"
    if days < 730:
        return f"{int(days // 30)} months ago"
    return f"{int(days // 365)} years ago"


def _days_since(epoch: float | None, now: datetime) -> float | None:
    return None if epoch is None else (now.timestamp() - epoch) / 86400


def _language_names(codes) -> str:
    return ", ".join(Language.get(c).display_name() for c in codes)


def when_text(occurrence: Occurrence, kind: str) -> str:
    """Return "Meets Tuesday 7:30 PM" or "Open Tuesday 9:00 AM–5:00 PM" for an occurrence."""
    start = occurrence.start
    day = start.strftime("%A")
    clock = start.strftime("%-I:%M %p")
    if kind == "meeting":
        return f"Meets {day} {clock}"
    return f"Open {day} {clock}–{occurrence.end.strftime('%-I:%M %p')}"


def _fact_reason(code: str, value: str, strength: str, positive: str, question: str) -> dict:
    if strength == "avoid":
        if value == "yes":
            return _reason(code, f"{positive} (you'd rather avoid)", False)
        if value == "no":
            return _reason(code, f"Not {positive.lower()}", True)
    elif value == "yes":
        return _reason(code, positive, True)
    elif value == "no":
        return _reason(code, f"Not {positive.lower()}", False)
    return _reason(code, f"Call to confirm: {question}", None)


def reasons(
    doc: dict,
    sdoc: dict,
    plan: MatchPlan,
    evaluation: Evaluation,
    occurrence: Occurrence | None,
    profile: dict,
) -> list[dict]:
    """Return the reasons a listing fits (or not), in reading order."""
    out = []
    subs = [vocab.NEEDS[doc["category"]][1].get(s, s) for s in doc["subcategories"]]
    out.append(_reason("need", ", ".join(subs) or vocab.CATEGORY_LABELS[doc["category"]], True))
    trip = evaluation.travel
    if plan.origin is not None:
        if trip.mode is not None:
            text = (
                f"About {round(trip.minutes)} min {MODE_WORDS[trip.mode]} (estimate), "
                f"{trip.km:.1f} km"
            )
            too_far = evaluation.hidden is not None and evaluation.hidden.kind == "reach"
            out.append(_reason("travel", text, not too_far))
        elif sdoc["online"]:
            out.append(_reason("travel", "Online: join from anywhere", True))
        elif trip.reach == "yes" and sdoc["area"]:
            out.append(_reason("travel", "Serves your area", True))
        elif trip.reach == "yes":
            out.append(_reason("travel", "Provides transportation", True))
        else:
            out.append(_reason("travel", "Call to confirm they serve your area", None))
    if plan.window is not None:
        if occurrence is not None:
            out.append(_reason("when", when_text(occurrence, doc["kind"]), True))
        else:
            out.append(_reason("when", "Hours not listed: call to confirm", None))
    for code, strength in (profile.get("barriers") or {}).items():
        barrier = vocab.BARRIERS[code]
        value = fact(sdoc, f"barrier:{code}", plan)
        if barrier.rule == "language":
            positive = f"Serves in {_language_names(plan.languages)}"
            question = f"Do they serve in {_language_names(plan.languages)}?"
        elif barrier.rule == "confidential" and not sdoc["confidential"]:
            positive = vocab.ATTRIBUTES[barrier.helps[0]].label  # it fits by being women-only
            question = "Is it safe for a survivor (confidential, or women only)?"
        elif barrier.rule in RULE_WORDS:
            positive = RULE_WORDS[barrier.rule]
            question = f"{barrier.label}: does it suit?"
        else:
            attribute = vocab.ATTRIBUTES[barrier.attributes[0]]
            positive, question = attribute.label, attribute.question
        out.append(_fact_reason(f"barrier:{code}", value, strength, positive, question))
    for code, strength in (profile.get("values") or {}).items():
        value = fact(sdoc, code, plan)
        label = vocab.VALUES[code].label
        question = (
            vocab.ATTRIBUTES[code].question
            if code in vocab.ATTRIBUTES
            else f"Is it {label.lower()}?"
        )
        out.append(_fact_reason(f"value:{code}", value, strength, label, question))
    if plan.gender and sdoc["genders"]:
        words = " and ".join(vocab.GENDERS[g].lower() for g in sdoc["genders"])
        out.append(_reason("gender", f"For {words}", True))
    if plan.age is not None and (sdoc["min_age"] is not None or sdoc["max_age"] is not None):
        low, high = sdoc["min_age"], sdoc["max_age"]
        span = f"{low}+" if high is None else f"up to {high}" if low is None else f"{low}–{high}"
        out.append(_reason("age", f"Ages {span}", True))
    if plan.languages and "limited_english" not in (profile.get("barriers") or {}):
        spoken = set(plan.languages) & set(sdoc["languages"])
        if spoken:
            text = f"Serves in {_language_names(sorted(spoken))}"
            out.append(_reason("language", text, True))
    if plan.low_income is False and sdoc["cost"] in COST_WORDS:
        out.append(
            _reason("cost", COST_WORDS[sdoc["cost"]], None if sdoc["cost"] == "fee" else True)
        )
    out.extend(_freshness(doc, sdoc, plan.now))
    return out


def _freshness(doc: dict, sdoc: dict, now: datetime) -> list[dict]:
    out = []
    available, days = sdoc["available"], _days_since(sdoc["available_at"], now)
    if available is not None:
        unit = doc["capacity"]["unit"]
        when = f" as of {_age(days)}" if days is not None else ""
        stale = days is None or days > CAPACITY_STALE_DAYS
        text = (
            f"{available or 'No'} {unit.removesuffix('s') if available == 1 else unit} open{when}"
        )
        if stale:
            text += ": call to confirm"
        out.append(_reason("capacity", text, None if stale else available > 0))
    days = _days_since(sdoc["verified_at"], now)
    if days is None:
        out.append(_reason("freshness", "Never verified: call to confirm", None))
    elif days > STALE_DAYS:
        out.append(_reason("freshness", f"Last checked {_age(days)}: call to confirm", None))
    else:
        out.append(_reason("freshness", f"Checked {_age(days)}", days <= FRESH_DAYS or None))
    return out


def next_time(doc: dict, plan: MatchPlan) -> Occurrence | None:
    """Return the listing's next occurrence: in the window when there is one, else from now."""
    if not doc["schedule"].get("intervals") or not doc.get("timezone"):
        return None
    start = plan.window[0] if plan.window else plan.now
    return next_occurrence(doc["schedule"], doc["kind"], doc["timezone"], start.astimezone(UTC))
