"""gunicorn settings read from the repository root: a worker serves once the gazetteer is loaded."""


def post_worker_init(worker):
    """Wait for the gazetteer the app started loading, so the first search finds it ready."""
    from resdir import geo

    geo.load_gazetteer()
