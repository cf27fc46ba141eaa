"""Handlers of the auth service and the ports they use."""
