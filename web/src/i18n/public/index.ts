import type { Lang } from "../languages";
import { en } from "./en";
import { ja, type PublicDictionary, type PublicKey } from "./ja";
import { jaEasy } from "./ja-easy";
import { ko } from "./ko";
import { vi } from "./vi";
import { zhHans } from "./zh-Hans";

export type { PublicKey, PublicDictionary };

export const PUBLIC_DICTIONARIES: Readonly<Record<Lang, PublicDictionary>> = {
  ja,
  "ja-easy": jaEasy,
  en,
  "zh-Hans": zhHans,
  ko,
  vi,
};
