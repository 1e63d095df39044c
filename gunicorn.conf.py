"""gunicorn settings read from the repository root: a worker serves once it is warmed up."""


def post_worker_init(worker):
    """Load the gazetteer and search once in the worker (resdir.warm), so that the first search
    a person makes is as fast as the next."""
    from resdir import warm

    warm.warm_up(worker.wsgi)
