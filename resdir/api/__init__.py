"""Serve the JSON API (/api/v1): match, search, listings and vocabulary, documented in OpenAPI."""

from resdir.api.views import blueprint

__all__ = ["blueprint"]
