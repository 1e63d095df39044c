"""Serve the JSON API (/api/v1): match, search, listings, vocabulary and agency submissions,
documented in OpenAPI; and the Open Referral HSDS 3.0 API (/hsds)."""

from resdir.api import submissions  # noqa: F401  (registers its routes on the blueprint)
from resdir.api.hsds import blueprint as hsds_blueprint
from resdir.api.views import blueprint

__all__ = ["blueprint", "hsds_blueprint"]
