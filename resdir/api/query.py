"""Read a search query into the same profile `POST /api/v1/match` takes.

`near=94110&needs=housing,childcare&mode=transit&max_minutes=45&from=...&to=...` becomes
`{"location": {"postal_code": "94110"}, "needs": [...], "travel": {...}, "when": {...}}`, which
the profile schema then validates; its errors are named back by the query parameter a person can
fix (`query_name`). A URL carries only that shareable part (`profile_params` finds the rest in
one); a posted form read the same way adds `barriers=no_vehicle,mobility:require`,
`values=secular:require`, languages, gender and age.
"""

import re

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from resdir.api.schemas import PROFILE_PARAMS, FormQuerySchema

LIST_PARAMS = ("needs", "barriers", "values", "languages")
ZIP = re.compile(r"^\s*\d{5}(-\d{4})?\s*$")
LAT_LON = re.compile(r"^\s*([-+]?[\d.]+)\s*,\s*([-+]?[\d.]+)\s*$")
DEFAULT_STRENGTH = "prefer"
# Profile paths (and their prefixes) -> the query parameter that sets them.
QUERY_NAMES = {
    "location": "near",
    "travel.mode": "mode",
    "travel.max_minutes": "max_minutes",
    "travel.max_km": "max_km",
    "when": "from",
    "when.from": "from",
    "when.to": "to",
    "when.at": "at",
    "when.open_now": "open_now",
}


def query_name(path: str) -> str:
    """Return the query parameter that sets a profile field ("when.to" -> "to")."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = QUERY_NAMES.get(".".join(parts[:end]))
        if name:
            return name
    return parts[0]


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _strengths(text: str) -> dict[str, str]:
    pairs = (item.partition(":") for item in _items(text))
    return {code.strip(): strength.strip() or DEFAULT_STRENGTH for code, _, strength in pairs}


def _place(near: str) -> dict:
    if ZIP.match(near):
        return {"postal_code": near.strip()}
    point = LAT_LON.match(near)
    if point:
        return {"lat": point[1], "lon": point[2]}
    return {"address": near}


def profile_params(args: MultiDict) -> list[str]:
    """Return the parameters of a URL's query that belong to a person's profile, which a URL
    must not carry (barriers, values, languages, gender, age), even empty."""
    return [name for name in PROFILE_PARAMS if name in args]


def profile_from_query(args: MultiDict) -> tuple[dict, dict]:
    """Return the profile a search URL's query describes (empty parameters are absent), and the
    marshmallow messages, by parameter, of those unknown or of the wrong type (left out)."""
    raw = {}
    for key in args:
        given = [value for value in args.getlist(key) if value != ""]
        if given:
            raw[key] = ",".join(given) if key in LIST_PARAMS else given[0]
    try:
        params, errors = FormQuerySchema().load(raw), {}
    except ValidationError as exc:
        # The readable parameters still go through the profile's checks, so that one answer
        # names every bad parameter.
        params, errors = exc.valid_data, exc.messages
    kept = ("gender", "age", "q", "limit", "cursor", "show_hidden")
    profile = {k: params[k] for k in kept if k in params}
    if "near" in params:
        profile["location"] = _place(params["near"])
    for key in ("needs", "languages"):
        if key in params:
            profile[key] = _items(params[key])
    for key in ("barriers", "values"):
        if key in params:
            profile[key] = _strengths(params[key])
    travel = {k: params[k] for k in ("mode", "max_minutes", "max_km") if k in params}
    if travel:
        profile["travel"] = travel
    when = {k.rstrip("_"): params[k] for k in ("from_", "to", "at") if k in params}
    if params.get("open_now"):
        when["open_now"] = True
    if when:
        profile["when"] = when
    return profile, errors
