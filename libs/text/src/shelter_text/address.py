"""Addresses folded for comparison (same household = same address and family name, S12).

No maintained offline normaliser fits: the known Python port of normalize-japanese-addresses
downloads its town lists from the network at run time, which a shelter during an outage (and
our CI) does not have. This is a deliberate, small folding: width, spacing, hyphen variants,
kanji numerals, and 丁目/番地/番/号 written as hyphenated numbers. It does not resolve
prefecture omissions or town-name spellings.
"""

from __future__ import annotations

import re
import unicodedata

_HYPHENS = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff0d\u2043\ufe63-]")
_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百千]+(?=丁目|番地|番|号|の|-|$)")
_BLOCKS = re.compile(r"(\d+)(?:丁目|番地|番|号|の)")


def _kanji_to_int(text: str) -> int:
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[ch] if current else _KANJI_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def normalise_address(text: str) -> str:
    """An address as compared: "東京都千代田区千代田一丁目1番地1号" -> "東京都千代田区千代田1-1-1".

    >>> normalise_address("千代田区 千代田１丁目１番１号")
    '千代田区千代田1-1-1'
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    text = _KANJI_NUMBER.sub(lambda m: str(_kanji_to_int(m.group(0))), text)
    # A long-vowel mark or dash between digits is a hyphen; elsewhere (カー) it is a letter.
    text = re.sub(r"(?<=\d)" + _HYPHENS.pattern + r"(?=\d)", "-", text)
    text = _BLOCKS.sub(r"\1-", text)
    # Removing spaces can join combining marks that NFKC orders differently: normalise again.
    return unicodedata.normalize("NFKC", text.rstrip("-"))
