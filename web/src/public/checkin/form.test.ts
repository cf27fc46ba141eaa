import { describe, expect, it } from "vitest";
import {
  EMPTY_FORM,
  fieldOfParam,
  firstInvalidField,
  normalisePhone,
  serverErrors,
  toRequest,
  validate,
  type CheckInForm,
} from "./form";

const TODAY = "2026-11-25";

const filled: CheckInForm = {
  ...EMPTY_FORM,
  familyName: " 山田 ",
  givenName: "花子",
  sex: "female",
  birthYear: "1950",
  birthMonth: "4",
  birthDay: "1",
  address: "東京都千代田区千代田1-1",
  consent: true,
};

// S16.2: required are name, address, date of birth, sex (and consent); optional phone, status, message.
describe("validate", () => {
  it("asks for every required field of an empty form", () => {
    expect(validate(EMPTY_FORM, TODAY)).toEqual({
      familyName: { kind: "required" },
      givenName: { kind: "required" },
      sex: { kind: "requiredChoice" },
      dateOfBirth: { kind: "requiredChoice" },
      address: { kind: "required" },
      consent: { kind: "consent" },
    });
  });

  it("accepts the brief's minimum", () => {
    expect(validate(filled, TODAY)).toEqual({});
  });

  it("treats blanks, the full-width space included, as missing", () => {
    expect(validate({ ...filled, familyName: "  　" }, TODAY).familyName).toEqual({ kind: "required" });
    expect(validate({ ...filled, familyName: "   " }, TODAY).familyName).toEqual({ kind: "required" });
  });

  it("refuses impossible and future birth dates", () => {
    expect(validate({ ...filled, birthYear: "1950", birthMonth: "2", birthDay: "30" }, TODAY).dateOfBirth).toEqual({ kind: "date" });
    expect(validate({ ...filled, birthYear: "2026", birthMonth: "12", birthDay: "1" }, TODAY).dateOfBirth).toEqual({ kind: "future" });
    expect(validate({ ...filled, birthDay: "" }, TODAY).dateOfBirth).toEqual({ kind: "requiredChoice" });
  });

  it("checks the optional fields only when filled", () => {
    const errors = validate({ ...filled, phone: "call me", email: "nope", familyNameKana: "Yamada", hasMessage: true, message: "x".repeat(1001) }, TODAY);
    expect(errors).toEqual({ phone: { kind: "phone" }, email: { kind: "email" }, familyNameKana: { kind: "kana" }, message: { kind: "tooLong", max: 1000 } });
    expect(validate({ ...filled, familyNameKana: "やまだ", givenNameKana: "ハナコ" }, TODAY)).toEqual({});
  });

  it("names the first field in error, in page order", () => {
    expect(firstInvalidField(validate({ ...filled, consent: false, address: "" }, TODAY))).toBe("address");
  });
});

describe("toRequest", () => {
  it("builds the check-in body of the registration API", () => {
    expect(toRequest({ ...filled, phone: "０９０－１２３４－５６７８", statuses: ["要介護"], hasMessage: true, message: " 卵アレルギー " })).toEqual({
      personal: {
        family_name: "山田",
        given_name: "花子",
        family_name_kana: null,
        given_name_kana: null,
        sex: "female",
        date_of_birth: "1950-04-01",
        address: "東京都千代田区千代田1-1",
        phone: "090-1234-5678",
        email: null,
      },
      statuses: ["要介護"],
      message: "卵アレルギー",
      consent: true,
    });
  });

  it("drops the message when the toggle is off", () => {
    expect(toRequest({ ...filled, hasMessage: false, message: "typed, then changed my mind" }).message).toBeNull();
  });

  it("normalises Japanese keyboard phone numbers", () => {
    expect(normalisePhone(" ０３ー１２３４ー５６７８ ")).toBe("03-1234-5678");
    expect(normalisePhone("(03) 1234 5678")).toBe("0312345678");
  });
});

describe("invalid-params from the API", () => {
  it("maps the API's field names onto the form", () => {
    expect(fieldOfParam("personal.family_name")).toBe("familyName");
    expect(fieldOfParam("personal.date_of_birth")).toBe("dateOfBirth");
    expect(fieldOfParam("statuses.2")).toBe("statuses");
    expect(fieldOfParam("personal")).toBeUndefined();
  });

  it("keeps the first complaint per field and returns the rest apart", () => {
    const { errors, unmatched } = serverErrors([
      { name: "personal.family_name", reason: "too short" },
      { name: "personal.family_name", reason: "second" },
      { name: "body", reason: "odd" },
    ]);
    expect(errors).toEqual({ familyName: { kind: "server", reason: "too short" } });
    expect(unmatched).toEqual([{ name: "body", reason: "odd" }]);
  });
});
