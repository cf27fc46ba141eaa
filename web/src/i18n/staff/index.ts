import type { StaffLang } from "../languages";
import { adminEn } from "./admin.en";
import { adminJa, type AdminKey } from "./admin.ja";
import { disasterEn } from "./disaster.en";
import { disasterJa, type DisasterKey } from "./disaster.ja";
import { staffEn } from "./en";
import { staffJa, type StaffKey as ShellKey } from "./ja";

/** Every staff text: the shell and staff screens (ja.ts/en.ts) and the administrator's screens (admin.*.ts). */
export type StaffKey = ShellKey | AdminKey | DisasterKey;
export type StaffDictionary = Readonly<Record<StaffKey, string>>;

export const STAFF_DICTIONARIES: Readonly<Record<StaffLang, StaffDictionary>> = {
  ja: { ...staffJa, ...adminJa, ...disasterJa },
  en: { ...staffEn, ...adminEn, ...disasterEn },
};
