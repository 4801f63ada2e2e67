"""Integrations with other tools; each is optional and names the extra it needs."""
