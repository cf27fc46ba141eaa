"""Folding of Japanese names and addresses so that the same person compares equal.

Used for the roster search (S11.1: by name in kanji or kana), duplicate detection and
household numbers (S12: same address and same family name).
"""

from shelter_text.address import normalise_address
from shelter_text.keys import household_key, person_key
from shelter_text.names import fold_name

__all__ = ["fold_name", "household_key", "normalise_address", "person_key"]
