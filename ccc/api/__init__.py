"""The HTTP surface: the agent and team API, the simulator, and the channel webhooks."""
