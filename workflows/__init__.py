"""Conversation flows and routing rules as data files, and the engine that runs them."""
