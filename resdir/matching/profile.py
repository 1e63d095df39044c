"""Read a person's profile (the match request) and compile it into a match plan.

A profile is sensitive (barriers, medications, record, status): it lives only in the request. It
is never logged, stored, or sent to a remote geocoder; a location is placed offline.
"""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from resdir import geo, vocab
from resdir.analysis import query_tokens
from resdir.i18n import _, _l
from resdir.matching import plan as plans
from resdir.matching.plan import Condition, MatchPlan
from resdir.model import WholeNumber, in_years, language_code

MAX_WINDOW = timedelta(days=14)
MAX_AGE = 120  # a person's age in years
ADDRESS_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
ADDRESS_CITY = re.compile(r"([A-Za-z .'-]+),\s*([A-Za-z]{2})\b")


class LocationSchema(Schema):
    """Where the person is: coordinates, a postal code, or an address."""

    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    postal_code = fields.String(validate=validate.Length(1, 20))
    address = fields.String(validate=validate.Length(1, 300))

    @validates_schema
    def _one_form(self, data, **kwargs):
        forms = [("lat" in data or "lon" in data), "postal_code" in data, "address" in data]
        if sum(forms) != 1:
            raise ValidationError("give lat and lon, a postal_code, or an address", "_schema")
        if forms[0] and not ("lat" in data and "lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lon" in data else "lon")


class TravelSchema(Schema):
    """How the person travels and how far they can go."""

    mode = fields.String(load_default="any", validate=validate.OneOf(vocab.TRAVEL_MODES))
    max_minutes = WholeNumber(validate=validate.Range(1, 240))
    max_km = fields.Float(validate=validate.Range(0.1, 300))

    @validates_schema
    def _one_limit(self, data, **kwargs):
        if "max_minutes" in data and "max_km" in data:
            raise ValidationError("give max_minutes or max_km, not both", "max_km")


class WhenSchema(Schema):
    """When the person is free: a window, an instant, or now; instants within the years a
    listing's dates may have (`resdir.model.in_years`), so that time arithmetic never overflows."""

    from_ = fields.AwareDateTime(data_key="from", validate=in_years)
    to = fields.AwareDateTime(validate=in_years)
    at = fields.AwareDateTime(validate=in_years)
    open_now = fields.Boolean()

    @validates_schema
    def _one_form(self, data, **kwargs):
        forms = ["from_" in data or "to" in data, "at" in data, data.get("open_now") is True]
        if sum(forms) != 1:
            raise ValidationError("give from and to, at, or open_now: true", "_schema")
        if forms[0]:
            if "from_" not in data or "to" not in data:
                raise ValidationError(
                    "from and to go together", "to" if "from_" in data else "from"
                )
            if data["to"] <= data["from_"]:
                raise ValidationError("the window ends before it starts", "to")
            if data["to"] - data["from_"] > MAX_WINDOW:
                raise ValidationError("a window can be at most 14 days", "to")


class BarriersField(fields.Field):
    """Barriers as a list (each "prefer") or an object of barrier -> require | prefer."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            if not all(isinstance(code, str) for code in value):
                raise ValidationError("a list of barrier codes, or an object of code -> strength")
            value = dict.fromkeys(value, "prefer")
        if not isinstance(value, dict):
            raise ValidationError("a list of barrier codes, or an object of code -> strength")
        unknown = sorted(str(k) for k in value if k not in vocab.BARRIERS)
        if unknown:
            raise ValidationError(f"unknown barrier codes: {', '.join(unknown)}")
        wrong = sorted(str(k) for k, v in value.items() if v not in ("require", "prefer"))
        if wrong:
            raise ValidationError(f"strength must be require or prefer: {', '.join(wrong)}")
        return value


class ProfileSchema(Schema):
    """A person's situation: where, what they need, what stands in the way, what they value."""

    location = fields.Nested(LocationSchema)
    needs = fields.List(
        fields.String(validate=validate.OneOf(vocab.need_codes())), validate=validate.Length(max=20)
    )
    barriers = BarriersField(metadata={"description": "list of codes, or code -> strength"})
    languages = fields.List(fields.String(validate=language_code), validate=validate.Length(max=10))
    values = fields.Dict(
        keys=fields.String(validate=validate.OneOf(vocab.VALUES)),
        values=fields.String(validate=validate.OneOf(vocab.STRENGTHS)),
    )
    gender = fields.String(validate=validate.OneOf(vocab.GENDERS))
    age = WholeNumber(validate=validate.Range(0, MAX_AGE))
    travel = fields.Nested(TravelSchema)
    when = fields.Nested(WhenSchema)
    q = fields.String(validate=validate.Length(max=200))
    limit = WholeNumber(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(validate=validate.Length(max=200))
    show_hidden = fields.String(
        validate=validate.Length(max=100),
        metadata={
            "description": "A `hidden` code of this profile's answer: list the listings it hid "
            "(ranked the same way) instead of those that fit"
        },
    )

    @validates_schema
    def _consistent(self, data, **kwargs):
        if "limited_english" in data.get("barriers", {}) and not data.get("languages"):
            raise ValidationError(
                "limited_english needs the languages the person speaks", "languages"
            )


class PlaceError(ValueError):
    """A location that cannot be placed offline."""


def place(
    location: dict, states: Sequence[str] = ()
) -> tuple[tuple[float, float], tuple[str, ...]]:
    """Return a person's point and the areas it lies in ("zip:94110", "county:..."); a city
    named without its state ("Daly City", "SF") is looked for in `states` first."""
    if "lat" in location:
        point, code = (location["lat"], location["lon"]), None
    else:
        text = location.get("postal_code") or location.get("address", "")
        code = geo.postal_code(text) or (ADDRESS_ZIP.search(text) or [None, None])[1]
        found = geo.gazetteer_place({"postal_code": code}) if code else None
        if found is None and "address" in location and (city := ADDRESS_CITY.search(text)):
            found = geo.gazetteer_place({"city": city[1].strip(), "region": city[2]})
        if found is None and "address" in location:
            found = geo.named_place(text, states)
        if found is None:
            raise PlaceError("this place is not known offline; give a US ZIP code or lat and lon")
        point = (found.lat, found.lon)
    return point, geo.areas_at(point, code)


def compile_plan(profile: dict, now: datetime, stops=None, states: Sequence[str] = ()) -> MatchPlan:
    """Compile a validated profile into a plan; `stops` knows the loaded transit stops, `states`
    are the directory's covered states (where a city named alone is looked for first)."""
    barriers = profile.get("barriers", {})
    values = profile.get("values", {})
    needs = tuple(
        (code.split(".")[0], code.split(".")[1] if "." in code else None)
        for code in profile.get("needs") or vocab.NEEDS
    )
    # Place first: a listing too far away is hidden as that, whatever else is true of it (and
    # an engine spends nothing more on it); then the listing's own state, the person's fit, time.
    conditions = []
    origin, areas, reach, mode, near_stop = None, (), {}, "any", False
    if profile.get("location"):
        origin, areas = place(profile["location"], states)
        travel = {**plans.DEFAULT_TRAVEL, **profile.get("travel", {})}
        if "max_km" in profile.get("travel", {}):
            travel.pop("max_minutes", None)
        mode = plans.person_mode(travel["mode"], barriers)
        near_stop = bool(stops and stops.near(origin))
        reach = {
            m: plans.reach_km(m, travel.get("max_minutes"), travel.get("max_km"))
            for m in plans.modes_of(mode)
        }
        conditions.append(Condition("travel", _travel_text(mode, travel), "reach"))
        conditions.append(Condition("area", _("do not serve your area"), "area"))
    conditions.append(Condition("closed", _("temporarily closed"), "closed"))
    if profile.get("gender"):
        conditions.append(Condition("gender", _("for another gender"), "gender"))
    if profile.get("age") is not None:
        conditions.append(Condition("age", _("for another age group"), "age"))
    if values.get(vocab.FAMILY_FRIENDS) not in ("require", "prefer"):
        text = _("for families and friends")
        conditions.append(Condition(vocab.FAMILY_FRIENDS, text, "not_yes", vocab.FAMILY_FRIENDS))
    conditions += plans.value_conditions(values)
    conditions += plans.barrier_conditions(barriers)
    window = _window(profile.get("when"), now)
    if window:
        instant = window[1] - window[0] <= plans.INSTANT
        text = _("closed then") if instant else _("nothing in your time window")
        # Without a schedule a window cannot be fitted: hidden apart, never passed as a fit.
        conditions.append(Condition("schedule", _("schedule not listed"), "schedule"))
        conditions.append(Condition("window", text, "window"))
    prefer = tuple(c for c, s in values.items() if s == "prefer")
    avoid = tuple(c for c, s in values.items() if s == "avoid")
    scored_barriers = tuple(c for c, s in barriers.items() if s == "prefer")
    tokens = tuple(query_tokens(profile.get("q")))
    active = {
        "travel": origin is not None,
        "values": bool(prefer or avoid),
        "barriers": bool(scored_barriers),
        "language": bool(profile.get("languages")),
        "text": bool(tokens),
        "cost": "low_income" in barriers,
        "freshness": True,
        "availability": True,
    }
    return MatchPlan(
        needs=needs,
        conditions=tuple(conditions),
        origin=origin,
        origin_areas=areas,
        origin_near_stop=near_stop,
        stops_loaded=bool(stops and stops.loaded),
        mode=mode,
        reach=reach,
        ride_ok="no_vehicle" in barriers,
        online_ok=values.get("in_person") != "require" and "no_internet" not in barriers,
        gender=profile.get("gender"),
        age=profile.get("age"),
        languages=tuple(profile.get("languages", ())),
        prefer=prefer,
        avoid=avoid,
        barriers=scored_barriers,
        low_income="low_income" in barriers,
        window=window,
        now=now,
        tokens=tokens,
        weights={k: w for k, w in plans.WEIGHTS.items() if active[k]},
    )


def _travel_text(mode: str, travel: dict) -> str:
    if "max_km" in travel:
        km = f"{travel['max_km']:g}"
        limit = _("%(km)s km", km=km)
    else:
        limit = _("%(minutes)d minutes", minutes=travel["max_minutes"])
    how = {
        "walk": _l("farther than %(limit)s on foot"),
        "transit": _l("farther than %(limit)s by transit"),
        "car": _l("farther than %(limit)s by car"),
        "any_car_free": _l("farther than %(limit)s without a car"),
    }.get(mode, _l("farther than %(limit)s"))
    return str(how) % {"limit": limit}


def _window(when: dict | None, now: datetime) -> tuple[datetime, datetime] | None:
    if not when:
        return None
    if when.get("open_now"):
        return now, now + plans.INSTANT
    if "at" in when:
        return when["at"], when["at"] + plans.INSTANT
    return when["from_"], when["to"]
