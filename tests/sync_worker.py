"""A process that keeps a store's search indexes in sync, as every search of a worker does.

python -m tests.sync_worker DATABASE ELASTICSEARCH_URL ALIAS STOP_FILE

Syncs every index (Elasticsearch, then the embedded fallback) over and over, every other round
within a search budget (where running out of it is no error: the search would degrade), until
STOP_FILE exists; then once more, to the end of the outbox. Prints
"synced" after its first round and the number of rounds at the end. Any error is a traceback on
stderr and a non-zero exit.
"""

import sys
from contextlib import nullcontext
from pathlib import Path

from resdir import create_app, search, store
from tests.clock import NOW

ROUND_BUDGET_SECONDS = 10.0  # generous: the machine is busy with the other workers


def main(database: str, url: str, alias: str, stop: str) -> None:
    """Sync until told to stop, then once more."""
    app = create_app(
        {
            "DATABASE": database,
            "TESTING": True,
            "NOW": NOW,
            "SEARCH": "elasticsearch",
            "ELASTICSEARCH_URL": url,
            "ELASTICSEARCH_INDEX": alias,
        }
    )
    with app.app_context():
        rounds = 0
        while not Path(stop).exists():
            for engine in search.engines():
                hurried = rounds % 2 == 1
                within = search.budget(ROUND_BUDGET_SECONDS) if hurried else nullcontext()
                try:
                    with store.session() as session, within:
                        search.sync(engine, session)
                except search.SearchUnavailable:
                    if not hurried:
                        raise  # a search would degrade; a command must not fail
            rounds += 1
            if rounds == 1:
                print("synced", flush=True)
        for engine in search.engines():
            with store.session() as session:
                search.sync(engine, session)
    print(rounds)


if __name__ == "__main__":
    main(*sys.argv[1:])
