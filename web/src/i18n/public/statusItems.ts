import type { Lang } from "../languages";

/**
 * Readings of the default status items (S10.7, S16.2) in the other languages. The items come
 * from the registration service in Japanese and are sent back unchanged; an item an admin
 * added that is not listed here is shown as it is.
 */
const STATUS_ITEM_NAMES: Readonly<Record<Exclude<Lang, "ja">, Readonly<Record<string, string>>>> = {
  "ja-easy": {
    "要介護": "かいご が ひつよう",
    "妊娠中": "おなか に あかちゃん が いる",
    "乳幼児連れ": "ちいさい こども と いっしょ",
    "障がいあり": "しょうがい が ある",
    "要医療": "いりょう が ひつよう",
    "ペット同伴": "ペット と いっしょ",
    "食物アレルギー": "たべもの の アレルギー",
  },
  en: {
    "要介護": "Needs nursing care",
    "妊娠中": "Pregnant",
    "乳幼児連れ": "With a baby or small child",
    "障がいあり": "Has a disability",
    "要医療": "Needs medical care",
    "ペット同伴": "With a pet",
    "食物アレルギー": "Food allergy",
  },
  "zh-Hans": {
    "要介護": "需要护理",
    "妊娠中": "怀孕中",
    "乳幼児連れ": "带婴幼儿",
    "障がいあり": "有残障",
    "要医療": "需要医疗",
    "ペット同伴": "带宠物",
    "食物アレルギー": "食物过敏",
  },
  ko: {
    "要介護": "돌봄 필요",
    "妊娠中": "임신 중",
    "乳幼児連れ": "영유아 동반",
    "障がいあり": "장애 있음",
    "要医療": "의료 필요",
    "ペット同伴": "반려동물 동반",
    "食物アレルギー": "음식 알레르기",
  },
  vi: {
    "要介護": "Cần chăm sóc",
    "妊娠中": "Đang mang thai",
    "乳幼児連れ": "Đi cùng trẻ nhỏ",
    "障がいあり": "Có khuyết tật",
    "要医療": "Cần chăm sóc y tế",
    "ペット同伴": "Đi cùng thú cưng",
    "食物アレルギー": "Dị ứng thực phẩm",
  },
};

/** The status item as the reader of `lang` reads it. */
export function statusItemName(item: string, lang: Lang): string {
  if (lang === "ja") return item;
  return STATUS_ITEM_NAMES[lang][item] ?? item;
}
