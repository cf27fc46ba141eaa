import type { StaffLang } from "../languages";
import { staffEn } from "./en";
import { staffJa, type StaffDictionary, type StaffKey } from "./ja";

export type { StaffKey, StaffDictionary };

export const STAFF_DICTIONARIES: Readonly<Record<StaffLang, StaffDictionary>> = { ja: staffJa, en: staffEn };
