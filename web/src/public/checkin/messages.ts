import type { PublicKey } from "../../i18n/public";
import type { FieldError, FieldName } from "./form";

/** The dictionary key of each field's label, as shown next to the input. */
export const FIELD_LABELS: Readonly<Record<FieldName, PublicKey>> = {
  familyName: "field.familyName",
  givenName: "field.givenName",
  familyNameKana: "field.familyNameKana",
  givenNameKana: "field.givenNameKana",
  sex: "field.sex",
  dateOfBirth: "field.dateOfBirth",
  address: "field.address",
  phone: "field.phone",
  email: "field.email",
  statuses: "field.statuses",
  message: "field.message",
  consent: "field.consent",
};

/** The element that takes the focus for a field (the first control of a group). */
export const FIELD_FOCUS_IDS: Readonly<Record<FieldName, string>> = {
  familyName: "familyName",
  givenName: "givenName",
  familyNameKana: "familyNameKana",
  givenNameKana: "givenNameKana",
  sex: "sex-female",
  dateOfBirth: "dateOfBirth-year",
  address: "address",
  phone: "phone",
  email: "email",
  statuses: "status-0",
  message: "message",
  consent: "consent",
};

type Translate = (key: PublicKey, params?: Readonly<Record<string, string | number>>) => string;

/** One clear sentence per error, in the reader's language (the API's English reason only for English readers). */
export function errorMessage(field: FieldName, error: FieldError, t: Translate, showReason: boolean): string {
  const label = t(FIELD_LABELS[field]);
  switch (error.kind) {
    case "required":
      return t("errors.required", { field: label });
    case "requiredChoice":
      return t("errors.requiredChoice", { field: label });
    case "tooLong":
      return t("errors.tooLong", { max: error.max });
    case "server":
      return showReason && error.reason !== "" ? `${t("errors.server")} (${error.reason})` : t("errors.server");
    case "date":
      return t("errors.date");
    case "future":
      return t("errors.future");
    case "kana":
      return t("errors.kana");
    case "phone":
      return t("errors.phone");
    case "email":
      return t("errors.email");
    case "consent":
      return t("errors.consent");
  }
}
