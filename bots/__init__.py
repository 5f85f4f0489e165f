"""Channel adapters: each parses and verifies its webhook, normalises, and sends."""
