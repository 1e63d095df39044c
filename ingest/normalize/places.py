"""Read addresses and coordinates as feeds write them: one-line addresses, swapped coordinates."""

import re

from ingest.normalize.text import clean_text, number
from ingest.problems import Problem, problem
from resdir import geo

COUNTRIES = {
    "us": "US",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "united states": "US",
    "united states of america": "US",
    "ca": "CA",
    "canada": "CA",
    "uk": "GB",
    "gb": "GB",
    "united kingdom": "GB",
    "mexico": "MX",
    "méxico": "MX",
}
REGION_POSTAL = re.compile(r"^(?P<region>[A-Za-z]{2})\s+(?P<postal>\d{5}(?:-\d{4})?)$")
POSTAL_ONLY = re.compile(r"^(\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$", re.IGNORECASE)
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
# Two readings of a pair are told apart by the address: the right one lies near its ZIP centroid.
SWAP_EVIDENCE_KM = 50.0


def split_formatted(text: str) -> dict:
    """Split a one-line address ("1600 Dell Ave, Campbell, CA 95008, USA") into its parts."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    out = {"street": None, "city": None, "region": None, "postal_code": None, "country": None}
    if parts and parts[-1].lower() in COUNTRIES:
        out["country"] = COUNTRIES[parts.pop().lower()]
    if parts and POSTAL_ONLY.match(parts[-1]):
        out["postal_code"] = parts.pop().upper()
    if parts and (match := REGION_POSTAL.match(parts[-1])):
        out["region"], out["postal_code"] = match["region"].upper(), match["postal"]
        parts.pop()
    elif len(parts) >= 2 and ((len(parts[-1]) == 2 and parts[-1].isalpha()) or len(parts) >= 3):
        out["region"] = parts.pop()
    if parts:
        out["city"] = parts.pop()
    if parts:
        out["street"] = ", ".join(parts)
    return out


def normalize_address(raw: dict | None) -> dict | None:
    """Return an AddressSchema dict from a draft address, or None when it says nothing."""
    if not raw:
        return None
    formatted = clean_text(raw.get("formatted"))
    address = split_formatted(formatted) if formatted else {}
    street = ", ".join(
        p for p in (clean_text(raw.get("street")), clean_text(raw.get("street2"))) if p
    )
    for key, value in (
        ("street", street),
        ("city", raw.get("city")),
        ("region", raw.get("region")),
        ("postal_code", raw.get("postal_code")),
        ("country", raw.get("country")),
    ):
        value = clean_text(value if not isinstance(value, int) else str(value))
        if value:
            address[key] = value
    country = address.get("country")
    if country:
        address["country"] = COUNTRIES.get(country.lower(), country)
    region = address.get("region")
    if region and len(region) == 2:
        address["region"] = region.upper()
    code = address.get("postal_code")
    if code and code.isdigit() and len(code) < 5 and address.get("country") in (None, "US"):
        address["postal_code"] = code.zfill(5)  # numeric feeds drop New England's leading zeros
    address = {k: address.get(k) for k in ("street", "city", "region", "postal_code", "country")}
    return address if any(address.values()) else None


def normalize_location(raw: dict | None, address: dict | None) -> tuple[dict | None, list[Problem]]:
    """Return a LocationSchema dict from draft coordinates, fixing swaps; None if unusable.

    `{"text": "[lon, lat]"}` is GeoJSON order. A pair whose latitude is out of range but fits
    when swapped is swapped; a pair that fits both ways is swapped only when the address's ZIP
    centroid says the swapped reading is the right place.
    """
    if not raw:
        return None, []
    problems = []
    if "text" in raw:
        text = str(raw["text"])
        numbers = [float(n) for n in NUMBER.findall(text)]
        if len(numbers) != 2:
            return None, [problem("impossible-coordinate", field="location", value=text)]
        problems.append(problem("coordinates-from-text", field="location", value=text))
        lon, lat = numbers
    else:
        lat, lon = number(raw.get("lat")), number(raw.get("lon"))
        if lat is None or lon is None:
            return None, []
    shown = f"{lat}, {lon}"
    if geo.is_valid_coordinate(lat, lon):
        if _swap_evidence(lat, lon, address):
            problems.append(problem("swapped-coordinates", field="location", value=shown))
            lat, lon = lon, lat
    elif geo.is_valid_coordinate(lon, lat):
        problems.append(problem("swapped-coordinates", field="location", value=shown))
        lat, lon = lon, lat
    else:
        problems.append(problem("impossible-coordinate", field="location", value=shown))
        return None, problems
    return {"lat": round(lat, 6), "lon": round(lon, 6)}, problems


def _swap_evidence(lat: float, lon: float, address: dict | None) -> bool:
    if not geo.is_valid_coordinate(lon, lat) or not address:
        return False
    centroid = geo.gazetteer_place(address)
    if centroid is None or centroid.precision != "postal_code":
        return False
    as_given = geo.haversine_km(lat, lon, centroid.lat, centroid.lon)
    swapped = geo.haversine_km(lon, lat, centroid.lat, centroid.lon)
    return as_given > SWAP_EVIDENCE_KM and swapped < SWAP_EVIDENCE_KM
