"""The search service (placeholder until the indexer lands)."""


def init_app(app) -> None:
    """Attach the search service."""
