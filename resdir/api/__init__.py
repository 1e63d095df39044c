"""Serve the JSON API (/api/v1): match, search, listings, vocabulary and agency submissions,
documented in OpenAPI."""

from resdir.api import submissions  # noqa: F401  (registers its routes on the blueprint)
from resdir.api.views import blueprint

__all__ = ["blueprint"]
