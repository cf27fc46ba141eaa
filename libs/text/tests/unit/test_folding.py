"""Folding makes the spellings people actually use compare equal, and nothing more."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shelter_text import fold_name, household_key, normalise_address, person_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ﾔﾏﾀﾞ", "やまだ"),
        ("ヤマダ", "やまだ"),
        ("髙橋", "高橋"),
        ("齋藤", "斎藤"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("山﨑", "山崎"),
        ("山田　花子", "山田花子"),
        ("ＹＡＭＡＤＡ", "yamada"),
    ],
)
def test_variants_fold_together(a: str, b: str) -> None:
    assert fold_name(a) == fold_name(b)


@pytest.mark.parametrize(("a", "b"), [("山田", "山本"), ("はな", "はなこ"), ("佐藤", "加藤")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert fold_name(a) != fold_name(b)


@pytest.mark.parametrize(
    "spelling",
    [
        "東京都千代田区千代田1-1-1",
        "東京都千代田区千代田１－１－１",
        "東京都 千代田区 千代田 1丁目1番1号",
        "東京都千代田区千代田一丁目一番一号",
        "東京都千代田区千代田1丁目1番地1",
        "東京都千代田区千代田1ー1ー1",
    ],
)
def test_address_spellings_fold_together(spelling: str) -> None:
    assert normalise_address(spelling) == "東京都千代田区千代田1-1-1"


def test_kanji_numbers_with_units() -> None:
    assert normalise_address("本町二十三番地") == "本町23"
    assert normalise_address("本町十丁目百五番") == "本町10-105"


def test_katakana_long_vowel_inside_words_is_kept() -> None:
    assert normalise_address("センターハイツ101") == "センターハイツ101"


def test_keys() -> None:
    assert household_key("髙橋", "千代田1丁目1番1号") == household_key("高橋", "千代田1-1-1")
    assert household_key("高橋", "千代田1-1-1") != household_key("高橋", "千代田1-1-2")
    assert person_key("ヤマダ", "ハナコ", date(1950, 4, 1)) == person_key(
        "やまだ", "はなこ", date(1950, 4, 1)
    )
    assert person_key("山田", "花子", date(1950, 4, 1)) != person_key(
        "山田", "花子", date(1950, 4, 2)
    )


@given(st.text(max_size=30))
def test_folding_is_idempotent(text: str) -> None:
    assert fold_name(fold_name(text)) == fold_name(text)
    assert normalise_address(normalise_address(text)) == normalise_address(text)
