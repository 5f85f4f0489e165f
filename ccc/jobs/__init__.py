"""Background work: an outbox table written in the caller's transaction, run by RQ or in-process."""
