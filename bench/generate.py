"""Generate a deterministic synthetic Bay Area directory and write it straight into a resdir store.

The benchmark of matching needs a directory of realistic size and shape: 100,000 listings across a
metro area, with the mixes of categories, facts, schedules and places real feeds have. Documents
are canonical listings (valid per `resdir.model.ListingSchema`) saved with `resdir.listings.save`,
so the listings, attributes, history and outbox rows are the ones an ingest would write; the ingest
pipeline itself is not run (bench/ingest.py measures it).

Deterministic: one seed gives the same documents byte for byte — every draw comes from
`random.Random(seed)` in a fixed order, "now" is the constant NOW, ids are
`listing_id("synthetic", str(n))`, and nothing iterates a set.

Assumed shares (each a named constant below):
- places: cities of the six core Bay Area counties (San Francisco, San Mateo, Santa Clara, Alameda,
  Contra Costa, Marin) weighted by their 2020 census population, a real standard ZIP code of the
  city chosen evenly, and the point jittered around its centroid (JITTER_DEGREES); 3% of placed
  listings sit exactly on the ZIP centroid, marked approximate, as 211 exports do;
- categories: sober_social 35% (meetings 80% of it), housing 20%, childcare 20%, transport 10%,
  other 15%, with every subcategory present (SUBCATEGORY_SHARES); 10% of some subcategories also
  carry a second one (SECOND_SUBCATEGORY);
- meetings: fellowships AA 50%, NA 16%, Al-Anon 8%, SMART 6%, Recovery Dharma 5%, Celebrate
  Recovery 5%, CMA 3%, LifeRing 3%, Women for Sobriety 2%, Refuge Recovery 2%, whose model gives
  the facts twelve_step / non_twelve_step / secular / faith_based; 20% online only (no address, a
  conference URL), 10% hybrid; half of in-person meetings share a venue with an earlier one;
  women only 6%, men only 5%; times mornings 22%, noon 20%, afternoon 10%, evenings 38%, late
  night 10% (some past midnight); once a week 65%, two or three days 15%, daily 12%, weekdays 8%;
- area-wide services without a point (service_area counties): NEMT, paratransit and ride
  programs, childcare subsidies, rental assistance and a few other services (AREA_WIDE_SHARES),
  plus confidential women's shelters: about 5% of listings;
- attributes: every code of resdir.vocab.ATTRIBUTES is yes / no / unknown with a base rate
  (ATTRIBUTE_RATES, mostly unknown) overridden per category and subcategory
  (ATTRIBUTE_OVERRIDES); the gender facts follow the eligibility genders;
- languages: English, plus Spanish for 28% of services and 12% of meetings (Spanish-speaking
  meetings mostly Spanish only), then Chinese, Tagalog, Vietnamese, Korean, Russian, ...;
- schedules: meetings as above, services weekday 9-5 variants, 24/7 and overnight shelters,
  evening childcare, 5% "call for hours" with no intervals;
- cost kinds, ages and capacity per subcategory (housing beds with an as_of within
  CAPACITY_MAX_AGE_DAYS); last_verified_at spread evenly over VERIFIED_SPREAD_DAYS, with 15% of
  meetings and 3% of services never verified; 2% temporarily closed, 3% unpublished, 0.5%
  pending; time zone America/Los_Angeles;
- transit: TRANSIT_STOPS stops along trunk rail lines between city centres and local bus routes
  through each city's ZIP centroids, so transit reachability has stops to find.

Run from the repository root:
    .venv/bin/python bench/generate.py --count 100000 --database /tmp/bench.sqlite3 --seed 7
"""

import argparse
import itertools
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

import zipcodes
from sqlalchemy import insert, select

from resdir import create_app, listings, store, vocab
from resdir.geo import haversine_km
from resdir.model import COST_PERIODS
from resdir.store import Organization, Source, TransitStop

SOURCE = "synthetic"
AUTHOR = "bench:generate"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # fixed, so a seed always gives the same dates
TIMEZONE = "America/Los_Angeles"
BATCH_SIZE = 1000  # documents per save and commit: large enough for bulk statements
DEFAULT_COUNT = 100_000
DEFAULT_SEED = 7

# -- places ---------------------------------------------------------------------------------------
STATE = "CA"
# 2020 census populations, rounded to thousands: the weights of where listings are.
CITY_POPULATIONS = {
    "San Francisco County": {"San Francisco": 874},
    "San Mateo County": {
        "Daly City": 105,
        "San Mateo": 105,
        "Redwood City": 84,
        "South San Francisco": 66,
        "San Bruno": 43,
        "Pacifica": 38,
        "Menlo Park": 33,
        "Burlingame": 31,
        "San Carlos": 30,
        "Belmont": 28,
        "Millbrae": 23,
        "Half Moon Bay": 12,
    },
    "Santa Clara County": {
        "San Jose": 1013,
        "Sunnyvale": 155,
        "Santa Clara": 127,
        "Mountain View": 82,
        "Milpitas": 80,
        "Palo Alto": 68,
        "Cupertino": 60,
        "Gilroy": 59,
        "Morgan Hill": 45,
        "Campbell": 43,
        "Los Gatos": 33,
        "Saratoga": 31,
        "Los Altos": 31,
    },
    "Alameda County": {
        "Oakland": 440,
        "Fremont": 230,
        "Hayward": 162,
        "Berkeley": 124,
        "San Leandro": 91,
        "Livermore": 87,
        "Pleasanton": 79,
        "Alameda": 78,
        "Dublin": 72,
        "Union City": 70,
        "Castro Valley": 66,
        "Newark": 47,
        "San Lorenzo": 30,
        "Albany": 20,
        "Emeryville": 13,
    },
    "Contra Costa County": {
        "Concord": 125,
        "Richmond": 116,
        "Antioch": 115,
        "San Ramon": 84,
        "Pittsburg": 76,
        "Walnut Creek": 70,
        "Brentwood": 64,
        "Danville": 43,
        "Oakley": 43,
        "Martinez": 37,
        "Pleasant Hill": 34,
        "San Pablo": 32,
        "El Cerrito": 26,
        "Hercules": 26,
        "Lafayette": 25,
        "Pinole": 19,
        "Orinda": 19,
    },
    "Marin County": {
        "San Rafael": 61,
        "Novato": 53,
        "Mill Valley": 14,
        "Larkspur": 13,
        "San Anselmo": 12,
        "Corte Madera": 10,
        "Sausalito": 7,
    },
}
JITTER_DEGREES = 0.006  # standard deviation of a point around its ZIP centroid, about 600 m
APPROXIMATE_SHARE = 0.03  # points left on the ZIP centroid, as in 211 exports
SECOND_COUNTY_SHARE = 0.2  # area-wide services that serve a neighbouring county too
STREETS = (
    "Main St", "Broadway", "Mission St", "El Camino Real", "International Blvd", "Telegraph Ave",
    "San Pablo Ave", "Market St", "1st St", "2nd St", "3rd St", "Santa Clara St", "Shattuck Ave",
    "Foothill Blvd", "Park Ave", "Lincoln Ave", "Grand Ave", "Oak St", "Pine St", "Center St",
    "University Ave", "Castro St", "Stevens Creek Blvd", "Alum Rock Ave", "MacArthur Blvd",
    "Geary Blvd", "Valencia St", "Washington St", "Jefferson St", "Civic Center Dr",
)  # fmt: skip
NAME_WORDS = (
    "Harbor", "Bayside", "Cedar", "Redwood", "Lighthouse", "Sunrise", "Hilltop", "Bridgeway",
    "Hope", "New Day", "Open Door", "Oak Grove", "Willow", "Crossroads", "Pathways", "Haven",
    "Compass", "Summit", "Lantern", "Tideline", "Keystone", "Evergreen", "Riverside", "Anchor",
    "Beacon", "Second Chance", "Cornerstone", "Golden Hills", "Mariposa", "Esperanza",
)  # fmt: skip

# -- categories -----------------------------------------------------------------------------------
CATEGORY_SHARES = {"sober_social": 35, "housing": 20, "childcare": 20, "transport": 10, "other": 15}
SUBCATEGORY_SHARES = {
    "sober_social": {"meeting": 80, "recovery_center": 12, "event": 8},
    "housing": {
        "shelter": 30,
        "recovery_residence": 35,
        "transitional": 20,
        "rental_assistance": 15,
    },
    "childcare": {
        "center": 35,
        "family_home": 25,
        "drop_in": 10,
        "subsidy": 10,
        "head_start": 12,
        "during_meetings": 8,
    },
    "transport": {"nemt": 25, "transit_fare": 25, "ride_program": 30, "paratransit": 20},
}
SECOND_SUBCATEGORY = {
    "transitional": "recovery_residence",
    "center": "head_start",
    "recovery_center": "event",
    "ride_program": "nemt",
    "drop_in": "during_meetings",
}
SECOND_SUBCATEGORY_SHARE = 0.1
# "other" services real feeds carry: (name, keyword, weight, attribute overrides).
OTHER_SERVICES = (
    ("Food Pantry", "food", 18, {"walk_in": (0.6, 0.05), "no_id_required": (0.4, 0.1)}),
    ("Legal Aid Clinic", "legal aid", 12, {"accepts_records": (0.5, 0.02)}),
    ("Job Center", "employment", 12, {"accepts_records": (0.4, 0.05)}),
    (
        "Community Health Clinic",
        "health care",
        14,
        {"accepts_medicaid": (0.8, 0.02), "accepts_uninsured": (0.6, 0.05)},
    ),
    (
        "Outpatient Treatment Program",
        "substance use treatment",
        12,
        {"accepts_medicaid": (0.6, 0.05), "accepts_moud": (0.4, 0.1)},
    ),
    (
        "Opioid Treatment Program",
        "methadone",
        5,
        {"accepts_moud": (0.97, 0.0), "harm_reduction": (0.5, 0.05), "accepts_medicaid": (0.8, 0)},
    ),
    (
        "Syringe Services Program",
        "harm reduction",
        5,
        {"harm_reduction": (0.97, 0.0), "walk_in": (0.8, 0.0), "no_id_required": (0.8, 0.0)},
    ),
    ("Counseling Center", "mental health", 12, {"trauma_informed": (0.5, 0.02)}),
    ("ID and Benefits Help", "benefits", 5, {"no_id_required": (0.6, 0.05)}),
    ("Reentry Services", "reentry", 5, {"accepts_records": (0.97, 0.0)}),
)
SERVICE_NOUNS = {
    "sober_social.recovery_center": ("Recovery Community Center", "Recovery Cafe", "Wellness Hub"),
    "sober_social.event": (
        "Sober Social",
        "Sober Dance",
        "Recovery Picnic",
        "Clean and Sober Bowling",
    ),
    "housing.shelter": ("Shelter", "Navigation Center", "Emergency Shelter"),
    "housing.recovery_residence": ("Sober Living", "Recovery Residence", "House"),
    "housing.transitional": ("Transitional Housing", "Bridge Housing", "Transition House"),
    "housing.rental_assistance": ("Rental Assistance", "Housing Help", "Eviction Prevention Fund"),
    "childcare.center": ("Children's Center", "Child Development Center", "Preschool"),
    "childcare.family_home": ("Family Child Care", "Little Ones Daycare", "Home Daycare"),
    "childcare.drop_in": ("Drop-In Child Care", "Kids' Corner", "Play Room"),
    "childcare.subsidy": ("Child Care Subsidy", "Child Care Assistance", "Child Care Vouchers"),
    "childcare.head_start": ("Head Start", "Early Head Start"),
    "childcare.during_meetings": ("Meeting Child Watch", "Childcare During Meetings"),
    "transport.nemt": ("Medical Rides", "Medi-Cal Transportation", "Health Rides"),
    "transport.transit_fare": ("Reduced Fare Pass", "Clipper START Help", "Transit Pass Program"),
    "transport.ride_program": ("Volunteer Drivers", "Community Rides", "Rides to Recovery"),
    "transport.paratransit": ("Paratransit", "Door-to-Door Rides", "Accessible Van Service"),
}
DESCRIPTIONS = {
    "sober_social.recovery_center": "Peer coaching, groups and a sober place to spend the day.",
    "sober_social.event": "Sober social events for people in recovery and their friends.",
    "housing.shelter": "Emergency beds, meals and showers, with case management.",
    "housing.recovery_residence": "Sober living home with house meetings and peer support.",
    "housing.transitional": "Up to two years of housing with services while residents find a home.",
    "housing.rental_assistance": "One-time help with back rent and move-in costs.",
    "childcare.center": "Licensed child care and preschool for infants to five-year-olds.",
    "childcare.family_home": "Licensed child care in a family home.",
    "childcare.drop_in": "Drop-in child care by the hour while parents attend appointments.",
    "childcare.subsidy": "Help paying for child care for income-eligible families.",
    "childcare.head_start": "Free preschool, meals and family support for eligible families.",
    "childcare.during_meetings": "Supervised child care during recovery meetings.",
    "transport.nemt": "Rides to medical, dental and treatment appointments for Medi-Cal members.",
    "transport.transit_fare": "Discounted transit passes for low-income riders.",
    "transport.ride_program": "Volunteer drivers take people to appointments and meetings.",
    "transport.paratransit": "Door-to-door rides for people who cannot use buses or trains.",
}
NEXT_STEPS = {
    "sober_social": ("Just come; newcomers welcome.", "Drop by during open hours."),
    "housing": ("Call the intake line.", "Walk in for an assessment.", "Apply online."),
    "childcare": ("Call to schedule a tour.", "Apply with the enrollment office."),
    "transport": ("Call at least two days before the ride.", "Apply online or by phone."),
    "other": ("Call for an appointment.", "Walk in during open hours."),
}
# Subcategories (or "other") offered area-wide, without a point, and how often.
AREA_WIDE_SHARES = {
    "transport.nemt": 0.4,
    "transport.paratransit": 0.4,
    "transport.ride_program": 0.2,
    "childcare.subsidy": 0.5,
    "housing.rental_assistance": 0.4,
    "other": 0.04,
}
CONFIDENTIAL_SHARE = 0.25  # women-only shelters at an unpublished address

# -- meetings -------------------------------------------------------------------------------------
# name: (weight, model whose facts it carries, meeting formats)
FELLOWSHIPS = {
    "Alcoholics Anonymous": (
        50,
        "twelve_step",
        ("discussion", "speaker", "Big Book study", "step study"),
    ),
    "Narcotics Anonymous": (16, "twelve_step", ("discussion", "Basic Text study", "speaker")),
    "Al-Anon Family Groups": (8, "twelve_step", ("discussion", "literature")),
    "SMART Recovery": (6, "secular", ("tools discussion",)),
    "Recovery Dharma": (5, "non_twelve_step", ("meditation and inquiry",)),
    "Celebrate Recovery": (5, "faith_based", ("large group and step study",)),
    "Crystal Meth Anonymous": (3, "twelve_step", ("discussion", "step study")),
    "LifeRing Secular Recovery": (3, "secular", ("discussion",)),
    "Women for Sobriety": (2, "secular_women", ("discussion",)),
    "Refuge Recovery": (2, "non_twelve_step", ("meditation",)),
}
MODEL_FACTS = {
    "twelve_step": {"twelve_step": "yes", "non_twelve_step": "no"},
    "non_twelve_step": {"twelve_step": "no", "non_twelve_step": "yes"},
    "secular": {
        "twelve_step": "no",
        "non_twelve_step": "yes",
        "secular": "yes",
        "faith_based": "no",
    },
    "secular_women": {"twelve_step": "no", "non_twelve_step": "yes", "secular": "yes"},
    "faith_based": {
        "twelve_step": "yes",
        "non_twelve_step": "no",
        "faith_based": "yes",
        "secular": "no",
    },
}
SECULAR_AA_SHARE = 0.06  # twelve-step meetings that call themselves secular (Meeting Guide "A")
MEETING_THEMES = (
    "Serenity", "Keep It Simple", "Living Sober", "Came to Believe", "Back to Basics",
    "Just for Today", "Daily Reflections", "Big Book", "Step Study", "Miracles Happen",
    "Clean and Serene", "Hope for Today", "Courage to Change", "Fresh Start", "One Day at a Time",
)  # fmt: skip
MEETING_MODES = {"in_person": 70, "online": 20, "hybrid": 10}
VENUE_REUSE_SHARE = 0.5
VENUES = (
    "St. Mark's Church", "First Presbyterian Church", "Community Center", "Alano Club",
    "Fellowship Hall", "Public Library", "United Methodist Church", "Veterans Hall",
    "Recovery Center", "Senior Center", "Unitarian Universalist Church", "Lutheran Church",
)  # fmt: skip
# (weight, starts, name word): when meetings start
MEETING_TIMES = (
    (22, ("06:30", "07:00", "07:30", "08:00", "09:00", "10:00"), "Early Risers"),
    (20, ("12:00", "12:10", "12:15", "12:30"), "Noon"),
    (10, ("15:00", "16:00", "17:00", "17:30"), "Happy Hour"),
    (38, ("18:00", "18:30", "19:00", "19:30", "20:00"), "Evening"),
    (10, ("21:00", "22:00", "23:00", "23:30", "00:00"), "Midnight"),
)
MEETING_MINUTES = {60: 70, 90: 25, 120: 5}
MEETING_END_UNKNOWN_SHARE = 0.05
MEETING_DAYS = {"once": 65, "several": 15, "daily": 12, "weekdays": 8}
MEETING_GENDERS = {"": 88, "woman": 6, "man": 5, "woman+nonbinary": 1}

# -- schedules ------------------------------------------------------------------------------------
WEEKDAYS, EVERY_DAY = (0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5, 6)
# pattern: ((days, opens, closes), ...), text
HOURS = {
    "9-5": (((WEEKDAYS, "09:00", "17:00"),), "Monday-Friday 9am-5pm"),
    "830-5": (((WEEKDAYS, "08:30", "17:00"),), "Mon-Fri 8:30-5"),
    "8-430": (((WEEKDAYS, "08:00", "16:30"),), "Weekdays 8:00 am to 4:30 pm"),
    "split": (((WEEKDAYS, "09:00", "12:00"), (WEEKDAYS, "13:00", "17:00")), "Mon-Fri 9-12, 1-5"),
    "long": ((((0, 1, 2, 3), "08:00", "18:00"),), "Monday-Thursday 8am-6pm"),
    "saturday": (((WEEKDAYS, "09:00", "17:00"), ((5,), "10:00", "14:00")), "M-F 9-5, Sat 10-2"),
    "24/7": (((EVERY_DAY, "00:00", "24:00"),), "Open 24 hours"),
    "overnight": (((EVERY_DAY, "18:00", "07:00"),), "Nightly 6pm to 7am"),
    "day care": (((WEEKDAYS, "07:00", "18:00"),), "Monday-Friday 7am-6pm"),
    "family home": (((WEEKDAYS, "06:30", "18:30"),), "6:30am-6:30pm weekdays"),
    "evening care": (((WEEKDAYS, "17:00", "22:00"),), "Evenings 5pm-10pm"),
    "late care": (((WEEKDAYS, "18:00", "24:00"), ((5,), "12:00", "24:00")), "Evenings to midnight"),
    "drop-in": ((((0, 1, 2, 3, 4, 5), "09:00", "21:00"),), "Mon-Sat 9am-9pm"),
    "meeting nights": ((((0, 2, 4), "18:30", "21:00"), ((5,), "09:30", "12:00")), None),
    "rides": (((WEEKDAYS, "06:00", "18:00"),), "Rides weekdays 6am-6pm"),
    "rides long": ((((0, 1, 2, 3, 4, 5), "05:00", "20:00"),), "Mon-Sat 5am-8pm"),
    "center": ((((1, 2, 3, 4, 5), "10:00", "16:00"),), "Tuesday-Saturday 10-4"),
    "center late": (((WEEKDAYS, "10:00", "20:00"), ((5, 6), "12:00", "17:00")), None),
    "weekend nights": ((((4, 5), "19:00", "23:00"),), "Friday and Saturday nights"),
    "call": ((), "Call for hours"),
}
HOURS_BY_NEED = {
    "sober_social.recovery_center": {"center": 5, "center late": 4, "9-5": 1},
    "sober_social.event": {"weekend nights": 8, "center late": 2},
    "housing.shelter": {"24/7": 5, "overnight": 4, "9-5": 1},
    "housing.recovery_residence": {"24/7": 4, "9-5": 3, "long": 2, "call": 1},
    "housing.transitional": {"24/7": 3, "9-5": 4, "830-5": 2, "call": 1},
    "housing.rental_assistance": {"9-5": 4, "split": 3, "8-430": 2, "call": 1},
    "childcare.center": {"day care": 8, "late care": 1, "evening care": 1},
    "childcare.family_home": {"family home": 7, "evening care": 2, "late care": 1},
    "childcare.drop_in": {"drop-in": 6, "evening care": 3, "late care": 1},
    "childcare.subsidy": {"9-5": 5, "830-5": 3, "split": 2},
    "childcare.head_start": {"day care": 7, "8-430": 3},
    "childcare.during_meetings": {"meeting nights": 7, "evening care": 3},
    "transport.nemt": {"rides": 5, "rides long": 3, "24/7": 2},
    "transport.transit_fare": {"9-5": 5, "saturday": 3, "830-5": 2},
    "transport.ride_program": {"rides": 6, "9-5": 3, "call": 1},
    "transport.paratransit": {"rides long": 6, "24/7": 2, "rides": 2},
    "other": {"9-5": 4, "830-5": 2, "8-430": 2, "split": 2, "long": 1, "saturday": 1, "call": 1},
}
HOURS_TEXT_SHARE = 0.3  # listings that keep the source's own words for their hours
BY_APPOINTMENT_SHARE = 0.08

# -- facts ----------------------------------------------------------------------------------------
FACT_SOURCE = "synthetic"
# (P(yes), P(no)); the rest is unknown, as in real feeds where most facts go unsaid.
ATTRIBUTE_RATES = {
    "wheelchair_accessible": (0.35, 0.06),
    "asl": (0.03, 0.05),
    "low_vision_accessible": (0.03, 0.03),
    "childcare": (0.04, 0.08),
    "child_friendly": (0.10, 0.05),
    "pets_allowed": (0.03, 0.08),
    "walk_in": (0.25, 0.10),
    "transport_provided": (0.05, 0.10),
    "accepts_moud": (0.10, 0.04),
    "no_id_required": (0.10, 0.08),
    "no_ssn_required": (0.08, 0.04),
    "accepts_records": (0.10, 0.03),
    "proof_of_attendance": (0.04, 0.02),
    "accepts_medicaid": (0.10, 0.05),
    "accepts_uninsured": (0.10, 0.03),
    "secular": (0.05, 0.04),
    "faith_based": (0.05, 0.10),
    "twelve_step": (0.04, 0.04),
    "non_twelve_step": (0.03, 0.03),
    "harm_reduction": (0.06, 0.04),
    "abstinence_based": (0.08, 0.03),
    "peer_led": (0.08, 0.02),
    "lgbtq_affirming": (0.10, 0.01),
    "women_only": (0.0, 0.0),  # follow the eligibility genders
    "men_only": (0.0, 0.0),
    "poc_centered": (0.02, 0.01),
    "native_centered": (0.01, 0.01),
    "trauma_informed": (0.10, 0.01),
    "family_inclusive": (0.08, 0.03),
    "young_people": (0.04, 0.02),
    "seniors": (0.04, 0.02),
    "newcomer_friendly": (0.08, 0.01),
    "for_family_friends": (0.0, 0.0),  # meetings only (below)
}
# Overrides by category, then by category.subcategory (the more specific one wins).
ATTRIBUTE_OVERRIDES = {
    "sober_social": {"peer_led": (0.6, 0.02), "abstinence_based": (0.2, 0.02)},
    "sober_social.meeting": {
        "peer_led": (0.9, 0.0),
        "wheelchair_accessible": (0.4, 0.05),
        "proof_of_attendance": (0.15, 0.05),
        "newcomer_friendly": (0.15, 0.0),
        "walk_in": (0.2, 0.0),
        "childcare": (0.03, 0.02),
        "lgbtq_affirming": (0.08, 0.0),
        "young_people": (0.05, 0.0),
        "seniors": (0.03, 0.0),
        "poc_centered": (0.02, 0.0),
        "accepts_moud": (0.05, 0.01),
        "faith_based": (0.02, 0.05),
        # what meeting feeds never say
        "accepts_medicaid": (0.0, 0.0),
        "accepts_uninsured": (0.0, 0.0),
        "accepts_records": (0.0, 0.0),
        "no_ssn_required": (0.0, 0.0),
        "pets_allowed": (0.0, 0.0),
        "transport_provided": (0.0, 0.0),
        "harm_reduction": (0.02, 0.0),
        "family_inclusive": (0.01, 0.0),
        "for_family_friends": (0.08, 0.0),  # Al-Anon, Nar-Anon and the like among the meetings
    },
    "housing": {
        "accepts_records": (0.3, 0.05),
        "no_id_required": (0.15, 0.25),
        "pets_allowed": (0.05, 0.35),
        "accepts_moud": (0.25, 0.15),
    },
    "housing.shelter": {
        "walk_in": (0.4, 0.2),
        "no_id_required": (0.3, 0.3),
        "pets_allowed": (0.12, 0.4),
        "harm_reduction": (0.15, 0.2),
        "faith_based": (0.15, 0.2),
    },
    "housing.recovery_residence": {
        "abstinence_based": (0.7, 0.02),
        "accepts_moud": (0.25, 0.25),
        "peer_led": (0.35, 0.05),
        "twelve_step": (0.3, 0.05),
        "faith_based": (0.12, 0.2),
        "pets_allowed": (0.03, 0.45),
    },
    "housing.rental_assistance": {"no_ssn_required": (0.05, 0.2), "no_id_required": (0.05, 0.4)},
    "childcare": {
        "child_friendly": (0.7, 0.0),
        "family_inclusive": (0.3, 0.0),
        "no_ssn_required": (0.15, 0.05),
    },
    "childcare.during_meetings": {"childcare": (0.98, 0.0), "peer_led": (0.3, 0.0)},
    "childcare.drop_in": {"childcare": (0.8, 0.0), "walk_in": (0.5, 0.05)},
    "childcare.subsidy": {"accepts_medicaid": (0.3, 0.05), "no_ssn_required": (0.3, 0.1)},
    "transport": {"wheelchair_accessible": (0.5, 0.1), "transport_provided": (0.85, 0.0)},
    "transport.transit_fare": {"transport_provided": (0.1, 0.3)},
    "transport.nemt": {"accepts_medicaid": (0.85, 0.02), "accepts_uninsured": (0.05, 0.4)},
    "transport.paratransit": {"wheelchair_accessible": (0.95, 0.0), "seniors": (0.3, 0.0)},
}
EXCLUSIVE_FACTS = (("secular", "faith_based"), ("twelve_step", "non_twelve_step"))
MIXED_GENDER_NO_SHARE = 0.15  # listings that say outright they are not single-gender

# -- eligibility, languages, cost, capacity, trust ------------------------------------------------
GENDERS_BY_NEED = {  # "" = everyone
    "housing.shelter": {"": 55, "woman": 20, "man": 25},
    "housing.recovery_residence": {"": 25, "woman": 30, "man": 45},
    "housing.transitional": {"": 70, "woman": 15, "man": 15},
}
# (weight, min_age, max_age)
AGES_BY_NEED = {
    "housing.shelter": ((70, 18, None), (8, 18, 24), (22, None, None)),
    "housing.recovery_residence": ((85, 18, None), (15, None, None)),
    "housing.transitional": ((60, 18, None), (15, 18, 24), (25, None, None)),
    "childcare.center": ((50, 0, 5), (30, 2, 5), (20, 0, 12)),
    "childcare.family_home": ((100, 0, 12),),
    "childcare.drop_in": ((100, 1, 12),),
    "childcare.subsidy": ((100, 0, 12),),
    "childcare.head_start": ((70, 3, 5), (30, 0, 3)),
    "childcare.during_meetings": ((100, 0, 12),),
    "transport.transit_fare": ((15, 5, 18), (20, 65, None), (65, None, None)),
    "transport.ride_program": ((30, 60, None), (70, None, None)),
    "other": ((5, 60, None), (95, None, None)),
}
# Each extra language a service offers, with its share; English is always offered.
SERVICE_LANGUAGES = {
    "es": 0.28, "zh": 0.06, "tl": 0.04, "vi": 0.04, "ko": 0.015,
    "ru": 0.01, "fa": 0.01, "ar": 0.01, "hi": 0.01, "pt": 0.01,
}  # fmt: skip
MEETING_LANGUAGES = {"en": 85, "es": 10, "en+es": 2, "zh": 1, "vi": 1, "tl": 0.5, "ko": 0.5}
COSTS_BY_NEED = {  # cost kind: weight
    "sober_social.meeting": {"free": 60, "unknown": 40},
    "sober_social.recovery_center": {"free": 80, "sliding_scale": 20},
    "sober_social.event": {"free": 60, "fee": 30, "unknown": 10},
    "housing.shelter": {"free": 90, "unknown": 10},
    "housing.recovery_residence": {"fee": 65, "sliding_scale": 20, "insurance": 5, "unknown": 10},
    "housing.transitional": {"free": 30, "sliding_scale": 40, "fee": 20, "unknown": 10},
    "housing.rental_assistance": {"free": 95, "unknown": 5},
    "childcare.center": {"fee": 55, "sliding_scale": 30, "unknown": 15},
    "childcare.family_home": {"fee": 60, "sliding_scale": 20, "unknown": 20},
    "childcare.drop_in": {"fee": 60, "sliding_scale": 20, "free": 10, "unknown": 10},
    "childcare.subsidy": {"free": 100},
    "childcare.head_start": {"free": 100},
    "childcare.during_meetings": {"free": 80, "unknown": 20},
    "transport.nemt": {"insurance": 80, "free": 10, "unknown": 10},
    "transport.transit_fare": {"fee": 50, "free": 40, "unknown": 10},
    "transport.ride_program": {"free": 60, "fee": 20, "unknown": 20},
    "transport.paratransit": {"fee": 80, "unknown": 20},
    "other": {"free": 45, "sliding_scale": 20, "insurance": 15, "fee": 5, "unknown": 15},
}
FEES = {  # (low, high, step, period) of a fee, in US dollars
    "sober_social.event": (5, 25, 5, "event"),
    "housing.recovery_residence": (600, 1500, 50, "month"),
    "housing.transitional": (300, 900, 50, "month"),
    "childcare.center": (1200, 2600, 100, "month"),
    "childcare.family_home": (900, 2000, 100, "month"),
    "childcare.drop_in": (12, 20, 1, "hour"),
    "transport.transit_fare": (20, 40, 5, "month"),
    "transport.ride_program": (3, 10, 1, "ride"),
    "transport.paratransit": (2.5, 4.5, 0.25, "ride"),
    "other": (20, 80, 5, "visit"),
}
COST_TEXT = {
    "free": "Free.",
    "sliding_scale": "Sliding scale based on income.",
    "insurance": "Medi-Cal and most insurance accepted.",
}
# (share with a count, unit, (low, high) total)
CAPACITY_BY_NEED = {
    "housing.shelter": (0.8, "beds", (30, 200)),
    "housing.recovery_residence": (0.7, "beds", (6, 30)),
    "housing.transitional": (0.7, "beds", (10, 60)),
    "childcare.center": (0.25, "slots", (20, 90)),
    "childcare.family_home": (0.25, "slots", (6, 14)),
}
CAPACITY_MAX_AGE_DAYS = 180
VERIFIED_SPREAD_DAYS = 3 * 365
UNVERIFIED_SHARE = {"meeting": 0.15, "service": 0.03}
VERIFIERS = {"source": 75, "agency": 20, "admin": 5}
NARR_LEVELS = {None: 40, 1: 12, 2: 24, 3: 18, 4: 6}
STATUSES = {"published": 96.5, "unpublished": 3, "pending": 0.5}
TEMPORARILY_CLOSED_SHARE = 0.02
ORGANIZATION_REUSE_SHARE = 0.55  # services run by an organization that runs others
MEETING_GROUP_SHARE = 0.4  # meetings that name their group as organization
SERVICE_EMAIL_SHARE = 0.3
SERVICE_URL_SHARE = 0.7
MEETING_URL_SHARE = 0.6
SECOND_PHONE_SHARE = 0.2
MEETING_PHONE_SHARE = 0.1

# -- transit --------------------------------------------------------------------------------------
TRANSIT_STOPS = 2000
# Rail and express lines between city centres: (id, name, GTFS route_type, cities in order).
TRUNK_LINES = (
    ("PR", "Peninsula Rail", 2, (
        "San Francisco", "South San Francisco", "San Bruno", "Millbrae", "Burlingame", "San Mateo",
        "Belmont", "San Carlos", "Redwood City", "Menlo Park", "Palo Alto", "Mountain View",
        "Sunnyvale", "Santa Clara", "San Jose", "Morgan Hill", "Gilroy",
    )),
    ("EB", "East Bay Metro", 1, (
        "Richmond", "El Cerrito", "Albany", "Berkeley", "Emeryville", "Oakland", "San Leandro",
        "San Lorenzo", "Hayward", "Union City", "Fremont", "Milpitas", "San Jose",
    )),
    ("DL", "Diablo Line", 1, (
        "Oakland", "Orinda", "Lafayette", "Walnut Creek", "Pleasant Hill", "Concord", "Pittsburg",
        "Antioch",
    )),
    ("TV", "Tri-Valley Line", 1, ("Castro Valley", "Dublin", "Pleasanton", "Livermore")),
    ("DC", "Daly City Line", 1, ("San Francisco", "Daly City")),
    ("MX", "Marin Express", 3, (
        "San Francisco", "Sausalito", "Mill Valley", "Corte Madera", "Larkspur", "San Rafael",
        "Novato",
    )),
    ("CX", "Coast Express", 3, ("Daly City", "Pacifica", "Half Moon Bay")),
)  # fmt: skip
LOCAL_ROUTE_POPULATION = 60  # thousands of residents per local bus route in a city
TRUNK_SPACING_FACTOR = 5  # trunk line stops stand this many times further apart than local ones
STOP_JITTER_DEGREES = 0.0005  # stops sit near, not on, the straight line between waypoints
WHEELCHAIR_BOARDING = {
    "rail": {"yes": 90, "unknown": 10},
    "bus": {"yes": 60, "unknown": 30, "no": 10},
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _chance(rng: random.Random, share: float) -> bool:
    return rng.random() < share


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _instant(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat()


def _hhmm(minutes: int) -> str:
    """Return a minute of the day as "HH:MM"; the end of the day is "24:00"."""
    if minutes == 24 * 60:
        return "24:00"
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@cache
def metro_places() -> tuple[dict, ...]:
    """Return the metro's cities: name, county, population weight and real ZIP centroids."""
    by_city: dict[str, list[dict]] = {}
    for entry in zipcodes.filter_by(state=STATE):
        if entry["zip_code_type"] == "STANDARD" and entry["active"] and entry["lat"]:
            by_city.setdefault((entry["county"], entry["city"]), []).append(entry)
    places = []
    for county, cities in CITY_POPULATIONS.items():
        for city, population in cities.items():
            entries = sorted(by_city.get((county, city), []), key=lambda e: e["zip_code"])
            if not entries:
                raise LookupError(f"no standard ZIP code for {city}, {county} in zipcodes")
            zips = tuple(
                {
                    "postal_code": e["zip_code"],
                    "lat": float(e["lat"]),
                    "lon": float(e["long"]),
                    "area_code": (e["area_codes"] or ["415"])[0],
                }
                for e in entries
            )
            centre = (
                sum(z["lat"] for z in zips) / len(zips),
                sum(z["lon"] for z in zips) / len(zips),
            )
            places.append(
                {
                    "city": city,
                    "county": county,
                    "population": population,
                    "zips": zips,
                    "centre": centre,
                }
            )
    return tuple(places)


class _Directory:
    """Draw listing documents one after another from one random stream."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.places = metro_places()
        self.place_weights = [p["population"] for p in self.places]
        self.venues: list[dict] = []
        self.organizations: dict[str, list[dict]] = {}
        self.counter = itertools.count()

    # -- places

    def point(self) -> dict:
        """Return the where-fields of a listing at a street address near a real ZIP centroid."""
        rng = self.rng
        city = rng.choices(self.places, weights=self.place_weights)[0]
        zip_ = rng.choice(city["zips"])
        approximate = _chance(rng, APPROXIMATE_SHARE)
        lat, lon = zip_["lat"], zip_["lon"]
        if not approximate:
            lat += rng.gauss(0, JITTER_DEGREES)
            lon += rng.gauss(0, JITTER_DEGREES) / math.cos(math.radians(lat))
        number = int(rng.paretovariate(1.2) * 100) % 9900 + 1
        return {
            "address": {
                "street": f"{number} {rng.choice(STREETS)}",
                "city": city["city"],
                "region": STATE,
                "postal_code": zip_["postal_code"],
                "country": "US",
            },
            "location": {"lat": round(lat, 5), "lon": round(lon, 5)},
            "geocode_precision": "postal_code" if approximate else "address",
            "approximate_location": approximate,
            "area_code": zip_["area_code"],
        }

    def area(self) -> dict:
        """Return the where-fields of an area-wide service: one or two counties, no point."""
        rng = self.rng
        city = rng.choices(self.places, weights=self.place_weights)[0]
        counties = [city["county"]]
        if _chance(rng, SECOND_COUNTY_SHARE):
            counties.append(rng.choice([c for c in CITY_POPULATIONS if c != city["county"]]))
        names = [c.removesuffix(" County") for c in counties]
        text = names[0] + " County" if len(names) == 1 else f"{names[0]} and {names[1]} Counties"
        return {
            "service_area": {
                "postal_codes": [],
                "counties": [f"{c}, {STATE}" for c in counties],
                "radius_km": None,
                "text": text,
            },
            "area_code": city["zips"][0]["area_code"],
        }

    def venue(self) -> dict:
        """Return a meeting place, often one that other meetings use too."""
        rng = self.rng
        if self.venues and _chance(rng, VENUE_REUSE_SHARE):
            return rng.choice(self.venues)
        place = self.point()
        kind = rng.choice(VENUES)
        place["location_name"] = f"{place['address']['city']} {kind}"
        self.venues.append(place)
        return place

    # -- who and how to reach them

    def phone(self, area_code: str, type_: str = "voice", description: str | None = None) -> dict:
        # 555-0100 to 555-0199 are the numbers set aside for fiction.
        number = f"+1{area_code}55501{self.rng.randrange(100):02d}"
        return {"number": number, "extension": None, "type": type_, "description": description}

    def organization(self, need: str, name: str) -> dict:
        rng = self.rng
        pool = self.organizations.setdefault(need, [])
        if pool and _chance(rng, ORGANIZATION_REUSE_SHARE):
            return rng.choice(pool)
        key = next(self.counter)
        org_name = f"{rng.choice(NAME_WORDS)} {name.split(' - ')[0].split()[-1]} Services"
        org = {
            "id": listings.listing_id(SOURCE, f"organization\x1f{key}"),
            "name": org_name,
            "url": f"https://{_slug(org_name)}-{key}.example.org/",
            "description": None,
        }
        pool.append(org)
        return org

    def languages(self) -> list[str]:
        extra = [code for code, share in SERVICE_LANGUAGES.items() if _chance(self.rng, share)]
        return ["en", *extra]

    def facts(self, category: str, subcategory: str, overrides: dict) -> dict:
        rng = self.rng
        rates = (
            ATTRIBUTE_RATES
            | ATTRIBUTE_OVERRIDES.get(category, {})
            | ATTRIBUTE_OVERRIDES.get(f"{category}.{subcategory}", {})
            | overrides
        )
        facts = {}
        for code in vocab.ATTRIBUTES:
            yes, no = rates.get(code, (0.0, 0.0))
            draw = rng.random()
            if draw < yes:
                facts[code] = "yes"
            elif draw < yes + no:
                facts[code] = "no"
        for first, second in EXCLUSIVE_FACTS:
            if facts.get(first) == "yes" and facts.get(second) == "yes":
                facts[second] = "no"
        return facts

    def gender_facts(self, genders: list[str]) -> dict:
        if genders == ["man"]:
            return {"men_only": "yes", "women_only": "no"}
        if "woman" in genders:
            return {"women_only": "yes", "men_only": "no"}
        if _chance(self.rng, MIXED_GENDER_NO_SHARE):
            return {"women_only": "no", "men_only": "no"}
        return {}

    def trust(self, kind: str) -> dict:
        rng = self.rng
        if _chance(rng, UNVERIFIED_SHARE[kind]):
            updated = NOW - timedelta(minutes=rng.randrange(VERIFIED_SPREAD_DAYS * 24 * 60))
            return {
                "last_verified_at": None,
                "verified_by": None,
                "updated_at": _instant(updated),
            }
        verified = NOW - timedelta(minutes=rng.randrange(VERIFIED_SPREAD_DAYS * 24 * 60))
        return {
            "last_verified_at": _instant(verified),
            "verified_by": _pick(rng, VERIFIERS),
            "updated_at": _instant(verified + timedelta(minutes=rng.randrange(600))),
        }

    def status(self) -> tuple[str, bool]:
        status = _pick(self.rng, STATUSES)
        closed = status == "published" and _chance(self.rng, TEMPORARILY_CLOSED_SHARE)
        return status, closed

    # -- meetings

    def meeting_schedule(self) -> tuple[dict, str]:
        rng = self.rng
        _, starts, word = rng.choices(MEETING_TIMES, weights=[t[0] for t in MEETING_TIMES])[0]
        opens = rng.choice(starts)
        start = int(opens[:2]) * 60 + int(opens[3:])
        closes = None
        if not _chance(rng, MEETING_END_UNKNOWN_SHARE):
            closes = _hhmm(start + _pick(rng, MEETING_MINUTES))
        pattern = _pick(rng, MEETING_DAYS)
        if pattern == "once":
            days = [rng.randrange(7)]
        elif pattern == "several":
            days = sorted(rng.sample(range(7), rng.choice((2, 3))))
        else:
            days = list(EVERY_DAY if pattern == "daily" else WEEKDAYS)
        intervals = [{"day": d, "opens": opens, "closes": closes} for d in days]
        return {"intervals": intervals, "text": None, "by_appointment": False}, word

    def meeting(self, n: int) -> dict:
        rng = self.rng
        fellowship = _pick(rng, {name: f[0] for name, f in FELLOWSHIPS.items()})
        _, model, formats = FELLOWSHIPS[fellowship]
        schedule, time_word = self.meeting_schedule()
        gender = "woman" if model == "secular_women" else _pick(rng, MEETING_GENDERS)
        genders = gender.split("+") if gender else []
        mode = _pick(rng, MEETING_MODES)
        where: dict = {"area_code": "669"}
        if mode != "online":
            where = self.venue()
        theme = rng.choice(MEETING_THEMES)
        lead = where["address"]["city"] if mode != "online" and _chance(rng, 0.4) else time_word
        gendered = {"woman": "Women's ", "man": "Men's "}.get(gender.split("+")[0], "")
        name = f"{lead} {gendered}{theme}"
        open_meeting = _chance(rng, 0.7)
        description = (
            f"{'An open' if open_meeting else 'A closed'} {rng.choice(formats)} meeting of "
            f"{fellowship}."
            + {"online": " Meets online.", "hybrid": " Meets in person and online."}.get(mode, "")
        )
        facts = self.facts("sober_social", "meeting", {})
        facts |= MODEL_FACTS[model] | self.gender_facts(genders)
        if model == "twelve_step" and _chance(rng, SECULAR_AA_SHARE):
            facts |= {"secular": "yes", "faith_based": "no"}
        language = _pick(rng, MEETING_LANGUAGES)
        types = ["O" if open_meeting else "C"]
        types += [
            code
            for code, present in (
                ("W", "woman" in genders),
                ("M", genders == ["man"]),
                ("A", facts.get("secular") == "yes"),
                ("X", facts.get("wheelchair_accessible") == "yes"),
                ("S", "es" in language),
                ("Y", facts.get("young_people") == "yes"),
                ("LGBTQ", facts.get("lgbtq_affirming") == "yes"),
            )
            if present
        ]
        online = None
        if mode != "in_person":
            conference = f"{rng.randrange(10**10, 10**11)}"
            online = {
                "url": f"https://zoom.example.org/j/{conference}",
                "phone": f"+1669555{rng.randrange(100, 200):04d},{conference}"
                if _chance(rng, 0.5)
                else None,
            }
        group = None
        if _chance(rng, MEETING_GROUP_SHARE):
            key = next(self.counter)
            group = {
                "id": listings.listing_id(SOURCE, f"organization\x1f{key}"),
                "name": f"{name} Group",
                "url": None,
                "description": None,
            }
        status, closed = self.status()
        return self.document(
            n,
            kind="meeting",
            organization=group,
            name=name,
            description=description,
            status=status,
            temporarily_closed=closed,
            category="sober_social",
            subcategories=["meeting"],
            taxonomy=[{"scheme": "meeting_guide", "code": t, "name": None} for t in types],
            where=where,
            online=online,
            schedule=schedule,
            phones=[self.phone(where["area_code"])] if _chance(rng, MEETING_PHONE_SHARE) else [],
            url=f"https://{_slug(fellowship)}-bay.example.org/meetings/{_slug(name)}-{n}/"
            if _chance(rng, MEETING_URL_SHARE)
            else None,
            cost=self.cost("sober_social.meeting"),
            eligibility=self.eligibility(genders, (None, None)),
            languages=language.split("+"),
            attributes=facts,
            trust=self.trust("meeting"),
        )

    # -- services

    def schedule(self, need: str) -> dict:
        rng = self.rng
        spans, text = HOURS[_pick(rng, HOURS_BY_NEED[need])]
        intervals = [
            {"day": d, "opens": opens, "closes": closes}
            for days, opens, closes in spans
            for d in days
        ]
        intervals.sort(key=lambda i: (i["day"], i["opens"]))
        keep_text = not intervals or _chance(rng, HOURS_TEXT_SHARE)
        return {
            "intervals": intervals,
            "text": text if keep_text else None,
            "by_appointment": _chance(rng, BY_APPOINTMENT_SHARE),
        }

    def cost(self, need: str) -> dict:
        rng = self.rng
        kind = _pick(rng, COSTS_BY_NEED[need])
        amount = period = None
        text = COST_TEXT.get(kind)
        if kind == "fee":
            low, high, step, period = FEES[need]
            amount = low + step * rng.randrange(round((high - low) / step) + 1)
            text = f"${amount:g} per {period}"
        return {
            "kind": kind,
            "amount": amount,
            "currency": "USD" if amount is not None else None,
            # A fee per ride or per event says so in its words; the model's periods are fewer.
            "period": period if period in COST_PERIODS else None,
            "text": text,
        }

    def eligibility(self, genders: list[str], ages: tuple) -> dict:
        min_age, max_age = ages
        words = []
        if genders:
            words.append(" and ".join(vocab.GENDERS[g] for g in genders))
        if min_age is not None and max_age is not None:
            words.append(f"ages {min_age} to {max_age}")
        elif min_age is not None:
            words.append(f"{min_age} and older")
        return {
            "genders": genders,
            "min_age": min_age,
            "max_age": max_age,
            "text": (", ".join(words) + ".").capitalize() if words else None,
            "required_documents": [],
        }

    def capacity(self, need: str) -> dict | None:
        rng = self.rng
        share, unit, (low, high) = CAPACITY_BY_NEED.get(need, (0, "beds", (0, 0)))
        if not _chance(rng, share):
            return None
        total = rng.randint(low, high)
        as_of = NOW - timedelta(minutes=rng.randrange(CAPACITY_MAX_AGE_DAYS * 24 * 60))
        return {
            "available": int(total * rng.random() ** 2 * 0.5),  # mostly full, as shelters are
            "total": total,
            "unit": unit,
            "as_of": _instant(as_of),
        }

    def service(self, n: int, category: str, subcategory: str | None) -> dict:
        rng = self.rng
        overrides: dict = {}
        if subcategory is None:
            noun, keyword, _, overrides = rng.choices(
                OTHER_SERVICES, weights=[s[2] for s in OTHER_SERVICES]
            )[0]
            subcategories, need = [], "other"
            taxonomy = [{"scheme": "keyword", "code": None, "name": keyword}]
            description = f"{noun} serving residents of the Bay Area."
        else:
            subcategories, need = [subcategory], f"{category}.{subcategory}"
            second = SECOND_SUBCATEGORY.get(subcategory)
            if second and _chance(rng, SECOND_SUBCATEGORY_SHARE):
                subcategories.append(second)
            labels = vocab.NEEDS[category][1]
            taxonomy = [
                {"scheme": "resdir", "code": f"{category}.{s}", "name": labels[s]}
                for s in subcategories
            ]
            noun = rng.choice(SERVICE_NOUNS[need])
            description = DESCRIPTIONS[need]
        genders = [g for g in [_pick(rng, GENDERS_BY_NEED.get(need, {"": 1}))] if g]
        options = AGES_BY_NEED.get(need, ((1, None, None),))
        _, *ages = rng.choices(options, weights=[o[0] for o in options])[0]
        confidential = (
            need == "housing.shelter" and genders == ["woman"] and _chance(rng, CONFIDENTIAL_SHARE)
        )
        if confidential or _chance(rng, AREA_WIDE_SHARES.get(need, 0.0)):
            where = self.area()
        else:
            where = self.point()
        word = rng.choice(NAME_WORDS)
        gendered = {"woman": "Women's ", "man": "Men's "}.get(genders[0], "") if genders else ""
        name = f"{word} {gendered}{noun}"
        if "address" in where and _chance(rng, 0.3):
            name += f" - {where['address']['city']}"
        organization = self.organization(need, name)
        slug = organization["url"].removeprefix("https://").split(".")[0]
        facts = self.facts(category, subcategories[0] if subcategories else "", overrides)
        facts |= self.gender_facts(genders)
        eligibility = self.eligibility(genders, tuple(ages))
        if facts.get("no_id_required") == "no":
            eligibility["required_documents"] = ["Photo ID"]
        hotline = need == "housing.shelter" and confidential
        phones = [
            self.phone(
                where["area_code"],
                "hotline" if hotline else "voice",
                "24-hour crisis line" if hotline else None,
            )
        ]
        if _chance(rng, SECOND_PHONE_SHARE):
            phones.append(self.phone(where["area_code"], rng.choice(("fax", "tty", "text"))))
        status, closed = self.status()
        return self.document(
            n,
            kind="service",
            organization=organization,
            name=name,
            description=description,
            status=status,
            temporarily_closed=closed,
            category=category,
            subcategories=subcategories,
            taxonomy=taxonomy,
            narr_level=_pick(rng, NARR_LEVELS) if need == "housing.recovery_residence" else None,
            where=where,
            location_name=None if confidential else name.split(" - ")[0],
            confidential_location=confidential,
            schedule=self.schedule(need),
            phones=phones,
            url=f"https://{slug}.example.org/programs/{n}"
            if _chance(rng, SERVICE_URL_SHARE)
            else None,
            email=f"info@{slug}.example.org" if _chance(rng, SERVICE_EMAIL_SHARE) else None,
            next_steps=rng.choice(NEXT_STEPS[category]),
            cost=self.cost(need),
            eligibility=eligibility,
            languages=self.languages(),
            attributes=facts,
            capacity=self.capacity(need),
            trust=self.trust("service"),
        )

    def document(self, n: int, *, where: dict, attributes: dict, trust: dict, **fields) -> dict:
        """Return the full canonical document, with every field in a fixed order."""
        key = str(n)
        doc = {
            "id": listings.listing_id(SOURCE, key),
            "source": SOURCE,
            "source_id": key,
            "source_keys": {},
            "sources": [{"source": SOURCE, "source_id": key}],
            "kind": fields["kind"],
            "organization": fields["organization"],
            "name": fields["name"],
            "alternate_name": None,
            "description": fields["description"],
            "status": fields["status"],
            "temporarily_closed": fields["temporarily_closed"],
            "category": fields["category"],
            "subcategories": fields["subcategories"],
            "taxonomy": fields["taxonomy"],
            "narr_level": fields.get("narr_level"),
            "location_name": fields.get("location_name", where.get("location_name")),
            "address": where.get("address"),
            "location": where.get("location"),
            "geocode_precision": where.get("geocode_precision"),
            "approximate_location": where.get("approximate_location", False),
            "confidential_location": fields.get("confidential_location", False),
            "timezone": TIMEZONE,
            "service_area": where.get("service_area"),
            "online": fields.get("online"),
            "schedule": fields["schedule"],
            "phones": fields["phones"],
            "url": fields["url"],
            "email": fields.get("email"),
            "next_steps": fields.get("next_steps"),
            "transportation": None,
            "cost": fields["cost"],
            "eligibility": fields["eligibility"],
            "languages": fields["languages"],
            "attributes": {
                code: {"value": attributes[code], "source": FACT_SOURCE, "note": None}
                for code in sorted(attributes)
            },
            "capacity": fields.get("capacity"),
            **trust,
            "provenance": {},
        }
        return doc

    def listing(self, n: int) -> dict:
        category = _pick(self.rng, CATEGORY_SHARES)
        if category == vocab.OTHER_CATEGORY:
            return self.service(n, category, None)
        subcategory = _pick(self.rng, SUBCATEGORY_SHARES[category])
        if subcategory == "meeting":
            return self.meeting(n)
        return self.service(n, category, subcategory)


def generate(count: int, seed: int) -> Iterator[dict]:
    """Yield `count` canonical listing documents, the same ones for the same seed."""
    directory = _Directory(seed)
    for n in range(count):
        yield directory.listing(n)


def _along(points: list[tuple[float, float]], spacing_km: float) -> list[tuple[float, float]]:
    """Return points every `spacing_km` along a polyline, its ends included."""
    found = [points[0]]
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        steps = max(1, round(haversine_km(lat1, lon1, lat2, lon2) / spacing_km))
        found += [
            (lat1 + (lat2 - lat1) * i / steps, lon1 + (lon2 - lon1) * i / steps)
            for i in range(1, steps + 1)
        ]
    return found


def _routes(rng: random.Random) -> list[dict]:
    """Return the metro's transit routes as polylines: trunk lines, then local buses per city."""
    centres = {p["city"]: p["centre"] for p in metro_places()}
    routes = [
        {
            "id": rid,
            "name": name,
            "type": type_,
            "trunk": True,
            "points": [centres[c] for c in cities],
        }
        for rid, name, type_, cities in TRUNK_LINES
    ]
    for place in metro_places():
        for k in range(max(1, round(place["population"] / LOCAL_ROUTE_POPULATION))):
            if len(place["zips"]) == 1:  # one ZIP code: a line across it
                lat, lon = place["centre"]
                d = rng.uniform(0.01, 0.02)
                ends = [(lat - d, lon - rng.uniform(-d, d)), (lat + d, lon + rng.uniform(-d, d))]
            else:
                picked = rng.sample(place["zips"], min(len(place["zips"]), 4))
                ends = [(z["lat"], z["lon"]) for z in picked]
            bearing = rng.uniform(0, math.pi)  # visit the ZIP centroids in one direction
            ends.sort(key=lambda p, b=bearing: p[0] * math.cos(b) + p[1] * math.sin(b))
            routes.append(
                {
                    "id": f"{_slug(place['city'])}-{k + 1}",
                    "name": f"{place['city']} Local {k + 1}",
                    "type": 3,
                    "trunk": False,
                    "points": ends,
                }
            )
    return routes


def _stop_name(rng: random.Random, route: dict, lat: float, lon: float) -> str:
    first, second = rng.sample(STREETS, 2)
    if not route["trunk"]:
        return f"{first} & {second}"
    city = min(metro_places(), key=lambda p: haversine_km(lat, lon, *p["centre"]))["city"]
    return f"{city} - {first}"


def transit_stops(seed: int, count: int = TRANSIT_STOPS) -> list[dict]:
    """Return about `count` TransitStopSchema documents along synthetic routes of the metro."""
    rng = random.Random(f"transit:{seed}")
    routes = _routes(rng)

    def spacing_factor(route: dict) -> int:
        return TRUNK_SPACING_FACTOR if route["trunk"] else 1

    def length(route: dict) -> float:
        return sum(haversine_km(*a, *b) for a, b in itertools.pairwise(route["points"]))

    # One local spacing for the whole metro, chosen so that the stops add up to about `count`.
    spacing = sum(length(r) / spacing_factor(r) for r in routes) / max(1, count - len(routes))
    stops = []
    for route in routes:
        kind = "rail" if route["type"] != 3 else "bus"
        for i, (lat, lon) in enumerate(_along(route["points"], spacing * spacing_factor(route))):
            stop_id = f"{route['id']}-{i + 1:03d}"
            lat, lon = (
                lat + rng.gauss(0, STOP_JITTER_DEGREES),
                lon + rng.gauss(0, STOP_JITTER_DEGREES),
            )
            stops.append(
                {
                    "id": listings.listing_id(SOURCE, f"stop\x1f{stop_id}"),
                    "source": SOURCE,
                    "stop_id": stop_id,
                    "name": _stop_name(rng, route, lat, lon),
                    "location": {"lat": round(lat, 5), "lon": round(lon, 5)},
                    "wheelchair_boarding": _pick(rng, WHEELCHAIR_BOARDING[kind]),
                    "routes": [
                        {
                            "id": route["id"],
                            "short_name": route["id"],
                            "long_name": route["name"],
                            "type": route["type"],
                        }
                    ],
                }
            )
    return stops


def _new_only(session, table, rows: list[dict]) -> list[dict]:
    """Return the rows whose id is not in `table` yet, so a second run adds nothing twice."""
    known = set()
    for chunk in listings.chunked([r["id"] for r in rows]):
        known |= set(session.scalars(select(table.id).where(table.id.in_(chunk))))
    return [r for r in rows if r["id"] not in known]


def _save_stops(session, seed: int) -> int:
    """Store the synthetic transit stops a run does not have yet; return how many there are."""
    stops = [
        {
            "id": s["id"],
            "source_id": SOURCE,
            "stop_id": s["stop_id"],
            "name": s["name"],
            "lat": s["location"]["lat"],
            "lon": s["location"]["lon"],
            "wheelchair_boarding": s["wheelchair_boarding"],
            "routes": s["routes"],
            "content_hash": listings.content_hash(s),
            "present": True,
        }
        for s in transit_stops(seed)
    ]
    new = _new_only(session, TransitStop, stops)
    if new:
        session.execute(insert(TransitStop), new)
    return len(stops)


def _save_organizations(session, documents: list[dict]) -> None:
    """Store the organizations the documents name, before the listings that refer to them."""
    named = {d["organization"]["id"]: d["organization"] for d in documents if d["organization"]}
    rows = [org | {"source_id": SOURCE} for org in named.values()]
    new = _new_only(session, Organization, rows)
    if new:
        session.execute(insert(Organization), new)


def populate(database: str, count: int, seed: int, batch_size: int = BATCH_SIZE) -> dict:
    """Write `count` synthetic listings and the transit stops into a store; return the figures."""
    app = create_app({"DATABASE": database})
    figures = Counter()
    with app.app_context():
        store.init_db()
        with store.session() as session:
            if session.get(Source, SOURCE) is None:
                session.add(
                    Source(
                        id=SOURCE,
                        name="Synthetic Bay Area directory (bench/generate.py)",
                        format="synthetic",
                        location=f"bench/generate.py --seed {seed}",
                        snapshot="partial",
                        facts={},
                    )
                )
            figures["stops"] = _save_stops(session, seed)
            session.commit()
            documents = generate(count, seed)
            while True:
                started = time.perf_counter()
                batch = list(itertools.islice(documents, batch_size))
                figures["generate_seconds"] += time.perf_counter() - started
                if not batch:
                    break
                started = time.perf_counter()
                _save_organizations(session, batch)
                for change in listings.save(session, batch, AUTHOR, NOW):
                    figures[change] += 1
                session.commit()
                figures["store_seconds"] += time.perf_counter() - started
                figures["listings"] += len(batch)
    return dict(figures)


def main(argv: list[str] | None = None) -> int:
    """Generate the synthetic directory into a database and print what was written and how fast."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--database", required=True, help="a SQLite path or a SQLAlchemy URL")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = populate(args.database, args.count, args.seed, args.batch_size)
    elapsed = time.perf_counter() - started
    print(
        f"{figures.get('listings', 0):,} listings ({figures.get('created', 0):,} created, "
        f"{figures.get('unchanged', 0):,} unchanged) and {figures['stops']:,} transit stops "
        f"in {elapsed:.1f} s: generating {figures.get('generate_seconds', 0):.1f} s, "
        f"storing {figures.get('store_seconds', 0):.1f} s "
        f"({figures.get('listings', 0) / elapsed:,.0f} listings/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
