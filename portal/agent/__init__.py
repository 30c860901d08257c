"""The agent workspace: the ticket queue, replies with article links, and the article panel.

Services (no request handling): :mod:`.queue` lists and assigns tickets, :mod:`.replies`
adds replies, notes and status changes, :mod:`.links` resolves ``article:<id>`` links for a
ticket's locale, :mod:`.panel` searches articles for agents, :mod:`.outbox` writes the
customer's email. :mod:`.views` is the ``/agent`` blueprint over them.
"""
