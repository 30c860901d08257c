"""Customer satisfaction: a solved ticket asks its customer once, by email and on the ticket
page, whether the support was good or bad (with an optional comment)."""
