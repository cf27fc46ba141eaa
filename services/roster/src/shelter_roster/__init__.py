"""Roster service."""
