"""Test support: the running local stack, a topic namespace and database per test, polling."""

from shelter_testing.polling import eventually
from shelter_testing.stack import Stack

__all__ = ["Stack", "eventually"]
