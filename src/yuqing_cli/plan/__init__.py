"""The response plan: its typed schema, the loader that validates it, and the pure rules."""
