"""Contracts shared by every service: the events on Kafka and the topics that carry them."""
