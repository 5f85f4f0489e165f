"""Tickets: the model, its lifecycle and services, the queue and its search.

Importing the package registers the listener that keeps every ticket's search text
(`ccc.tickets.search`), so that no process writes a ticket without it."""

import ccc.tickets.search  # noqa: F401
