"""Serve the public pages: no account needed."""

from flask import Blueprint, render_template

from resdir import store, vocab
from resdir.listings import category_counts, stop_count

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home():
    """Show what the directory holds, by category."""
    with store.session() as session:
        counts = category_counts(session)
        stops = stop_count(session)
    categories = [
        {
            "code": code,
            "label": label,
            "published": counts.get(code, {}).get("published", 0),
            "subcategories": vocab.NEEDS.get(code, ("", {}))[1],
        }
        for code, label in vocab.CATEGORY_LABELS.items()
    ]
    total = sum(c["published"] for c in categories)
    return render_template("public/home.html", categories=categories, total=total, stops=stops)
