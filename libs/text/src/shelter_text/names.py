"""Names folded for comparison: width, kana script, spacing and old/new character forms.

Width and compatibility characters are NFKC's job and kana script is jaconv's; what no
maintained package covers is the old and variant kanji forms that appear in Japanese family
names (髙橋 / 高橋, 齋藤 / 斎藤, 渡邊 / 渡辺), so that table is ours. It folds forms that people
and registries use interchangeably; it is not a general 旧字体 dictionary.
"""

from __future__ import annotations

import unicodedata

import jaconv

#: Variant or old form -> the common form, for characters frequent in names.
VARIANT_FORMS = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "埼": "埼",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "廣": "広",
    "櫻": "桜",
    "國": "国",
    "眞": "真",
    "惠": "恵",
    "德": "徳",
    "黑": "黒",
    "瀨": "瀬",
    "藏": "蔵",
    "嶋": "島",
    "嶌": "島",
    "冨": "富",
    "槇": "槙",
    "桒": "桑",
    "舘": "館",
    "條": "条",
    "曾": "曽",
    "龜": "亀",
    "榮": "栄",
    "壽": "寿",
    "彌": "弥",
    "淺": "浅",
    "將": "将",
    "實": "実",
    "與": "与",
    "豐": "豊",
    "禮": "礼",
    "劍": "剣",
    "圓": "円",
    "縣": "県",
    "關": "関",
    "會": "会",
    "學": "学",
    "萬": "万",
    "寳": "宝",
    "寶": "宝",
    "龍": "竜",
    "顯": "顕",
    "驛": "駅",
    "戶": "戸",
    "靜": "静",
    "晴": "晴",
    "髮": "髪",
    "鐵": "鉄",
    "穗": "穂",
    "稻": "稲",
    "增": "増",
    "隆": "隆",
    "靑": "青",
    "淸": "清",
    "祐": "祐",
    "々": "々",
}
_TABLE = str.maketrans({k: v for k, v in VARIANT_FORMS.items() if k != v})
_SPACES = str.maketrans("", "", " \u3000\t・･.")


def fold_name(text: str) -> str:
    """A name as compared: NFKC, no spaces or dots, katakana as hiragana, common kanji forms.

    >>> fold_name("ﾔﾏﾀﾞ") == fold_name("やまだ") == fold_name("ヤマダ")
    True
    >>> fold_name("髙橋　一郎") == fold_name("高橋一郎")
    True
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_SPACES).translate(_TABLE)
    # casefold can leave a string that NFKC would reorder: normalise once more.
    return unicodedata.normalize("NFKC", jaconv.kata2hira(text).casefold())
