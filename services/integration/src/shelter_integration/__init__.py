"""Integration service."""
