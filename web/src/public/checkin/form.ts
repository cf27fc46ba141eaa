/**
 * The smartphone registration form (S16.2) as plain data: what the person typed, the checks
 * made before anything is sent, the request body, and the mapping of the API's
 * `invalid-params` back onto the fields.
 */
import type { CheckInCreate, Sex } from "../../api/clients";
import type { InvalidParam } from "../../api/problem";
import { isValidDate, isoDate } from "../../lib/date";

export interface CheckInForm {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  sex: Sex | "";
  birthYear: string;
  birthMonth: string;
  birthDay: string;
  address: string;
  phone: string;
  email: string;
  statuses: string[];
  hasMessage: boolean;
  message: string;
  consent: boolean;
}

export const EMPTY_FORM: CheckInForm = {
  familyName: "",
  givenName: "",
  familyNameKana: "",
  givenNameKana: "",
  sex: "",
  birthYear: "",
  birthMonth: "",
  birthDay: "",
  address: "",
  phone: "",
  email: "",
  statuses: [],
  hasMessage: false,
  message: "",
  consent: false,
};

/** The fields in the order they appear, which is also the order of the error summary. */
export const FIELDS = [
  "familyName",
  "givenName",
  "familyNameKana",
  "givenNameKana",
  "sex",
  "dateOfBirth",
  "address",
  "phone",
  "email",
  "statuses",
  "message",
  "consent",
] as const;

export type FieldName = (typeof FIELDS)[number];

export type FieldError =
  | { readonly kind: "required" | "requiredChoice" | "date" | "future" | "kana" | "phone" | "email" | "consent" }
  | { readonly kind: "tooLong"; readonly max: number }
  | { readonly kind: "server"; readonly reason: string };

export type FieldErrors = Partial<Record<FieldName, FieldError>>;

/** The limits of EvacueePersonal and CheckInCreate in the registration API. */
export const MAX_LENGTH = { name: 100, address: 200, message: 1000 } as const;

const KANA = /^[\u3041-\u3096\u309D-\u309F\u30A1-\u30FA\u30FC-\u30FF\s\u3000・]+$/u;
const PHONE = /^\+?[0-9-]{6,20}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Full-width digits and the many dashes of Japanese keyboards become what the API accepts. */
export function normalisePhone(value: string): string {
  return value
    .trim()
    .replace(/[０-９]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0))
    .replace(/[－ー―‐−‑–—]/g, "-")
    .replace(/＋/g, "+")
    .replace(/[\s\u3000()（）]/g, "");
}

export function normaliseEmail(value: string): string {
  return value.trim().replace(/[！-～]/g, (char) => String.fromCharCode(char.charCodeAt(0) - 0xfee0));
}

export function birthDate(form: CheckInForm): string | undefined {
  const year = Number(form.birthYear);
  const month = Number(form.birthMonth);
  const day = Number(form.birthDay);
  if (form.birthYear === "" || form.birthMonth === "" || form.birthDay === "") return undefined;
  return isValidDate(year, month, day) ? isoDate(year, month, day) : undefined;
}

function text(value: string, max: number, required: boolean): FieldError | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return required ? { kind: "required" } : undefined;
  if (trimmed.length > max) return { kind: "tooLong", max };
  return undefined;
}

/** The checks made before submitting; `today` is `YYYY-MM-DD` in the device's time zone. */
export function validate(form: CheckInForm, today: string): FieldErrors {
  const errors: FieldErrors = {};
  const set = (field: FieldName, error: FieldError | undefined) => {
    if (error !== undefined) errors[field] = error;
  };
  set("familyName", text(form.familyName, MAX_LENGTH.name, true));
  set("givenName", text(form.givenName, MAX_LENGTH.name, true));
  for (const field of ["familyNameKana", "givenNameKana"] as const) {
    const value = form[field].trim();
    set(field, text(value, MAX_LENGTH.name, false) ?? (value !== "" && !KANA.test(value) ? { kind: "kana" } : undefined));
  }
  if (form.sex === "") set("sex", { kind: "requiredChoice" });
  if (form.birthYear === "" || form.birthMonth === "" || form.birthDay === "") {
    set("dateOfBirth", { kind: "requiredChoice" });
  } else {
    const date = birthDate(form);
    if (date === undefined) set("dateOfBirth", { kind: "date" });
    else if (date > today) set("dateOfBirth", { kind: "future" });
  }
  set("address", text(form.address, MAX_LENGTH.address, true));
  const phone = normalisePhone(form.phone);
  if (phone !== "" && !PHONE.test(phone)) set("phone", { kind: "phone" });
  const email = normaliseEmail(form.email);
  if (email !== "" && !EMAIL.test(email)) set("email", { kind: "email" });
  if (form.hasMessage) set("message", text(form.message, MAX_LENGTH.message, false));
  if (!form.consent) set("consent", { kind: "consent" });
  return errors;
}

function optional(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** The body of POST /shelters/{id}/check-ins; call only on a form `validate` passed. */
export function toRequest(form: CheckInForm): CheckInCreate {
  const dateOfBirth = birthDate(form);
  if (dateOfBirth === undefined || form.sex === "") throw new Error("toRequest on an invalid form");
  const phone = normalisePhone(form.phone);
  const email = normaliseEmail(form.email);
  const message = form.hasMessage ? optional(form.message) : null;
  return {
    personal: {
      family_name: form.familyName.trim(),
      given_name: form.givenName.trim(),
      family_name_kana: optional(form.familyNameKana),
      given_name_kana: optional(form.givenNameKana),
      sex: form.sex,
      date_of_birth: dateOfBirth,
      address: form.address.trim(),
      phone: phone === "" ? null : phone,
      email: email === "" ? null : email,
    },
    statuses: form.statuses,
    message,
    consent: form.consent,
  };
}

const PARAM_FIELDS: Readonly<Record<string, FieldName>> = {
  "personal.family_name": "familyName",
  "personal.given_name": "givenName",
  "personal.family_name_kana": "familyNameKana",
  "personal.given_name_kana": "givenNameKana",
  "personal.sex": "sex",
  "personal.date_of_birth": "dateOfBirth",
  "personal.address": "address",
  "personal.phone": "phone",
  "personal.email": "email",
  statuses: "statuses",
  message: "message",
  consent: "consent",
};

/** `personal.family_name` -> familyName; list items (`statuses.0`) belong to their list. */
export function fieldOfParam(name: string): FieldName | undefined {
  const direct = PARAM_FIELDS[name];
  if (direct !== undefined) return direct;
  const withoutIndex = name.replace(/(\.\d+)+$/, "");
  return PARAM_FIELDS[withoutIndex];
}

/** The API's field complaints as form errors; the ones naming no known field are returned apart. */
export function serverErrors(params: readonly InvalidParam[]): { errors: FieldErrors; unmatched: InvalidParam[] } {
  const errors: FieldErrors = {};
  const unmatched: InvalidParam[] = [];
  for (const param of params) {
    const field = fieldOfParam(param.name);
    if (field === undefined) unmatched.push(param);
    else errors[field] ??= { kind: "server", reason: param.reason };
  }
  return { errors, unmatched };
}

export function firstInvalidField(errors: FieldErrors): FieldName | undefined {
  return FIELDS.find((field) => errors[field] !== undefined);
}
