"""Measurements of the search engine: retrieval quality on public data (``portal eval``)
and speed on synthetic help centers (``portal bench``). Not shipped to customers."""
