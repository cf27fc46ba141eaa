/**
 * /checkin/:shelterId, the page the shelter's QR code opens (S1.2, S16.2): form -> confirm ->
 * POST /shelters/{id}/check-ins -> done. What the API refuses comes back as problem details
 * (title_ja for Japanese readers) and, for bad fields, next to the fields themselves.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { outcomeOf, registrationApi, type CheckInPublic } from "../../api/clients";
import type { Failure } from "../../api/problem";
import { Link } from "../../app/navigation";
import { checkOutPath } from "../../app/routes";
import { FocusHeading } from "../../components/FocusHeading";
import { Notice, Steps } from "../../components/PublicLayout";
import { useDocumentTitle } from "../../components/useDocumentTitle";
import { usePublicText } from "../../i18n/context";
import { localToday } from "../../lib/date";
import { problemText } from "../problemText";
import { ShelterBanner, useShelter } from "../shelter";
import { localStorageOrUndefined, referenceOf, rememberStay, storedStay, type StoredStay } from "../stays";
import { CheckInFormView } from "./CheckInFormView";
import { ConfirmView } from "./ConfirmView";
import { DoneView } from "./DoneView";
import { EMPTY_FORM, serverErrors, toRequest, validate, type CheckInForm, type FieldErrors } from "./form";

/** The brief's default status items (S10.7), used when the settings endpoint does not answer. */
export const DEFAULT_STATUS_ITEMS: readonly string[] = ["要介護", "妊娠中", "乳幼児連れ", "障がいあり", "要医療", "ペット同伴", "食物アレルギー"];

type Step = "form" | "confirm" | "done";

export function CheckInPage({ shelterId }: { shelterId: string }) {
  const { t, lang } = usePublicText();
  const shelter = useShelter(shelterId);
  const [statusItems, setStatusItems] = useState<readonly string[] | undefined>(undefined);
  const [form, setForm] = useState<CheckInForm>(EMPTY_FORM);
  const [step, setStep] = useState<Step>("form");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [attempt, setAttempt] = useState(0);
  const [failure, setFailure] = useState<Failure | undefined>(undefined);
  const [submitting, setSubmitting] = useState(false);
  const [result, setResult] = useState<CheckInPublic | undefined>(undefined);

  useDocumentTitle(`${t("checkin.title")} | ${t("app.title")}`);
  // Someone who scans the QR code again (to leave, say) is offered check-out first.
  const [earlierStay] = useState<StoredStay | undefined>(() => {
    const storage = localStorageOrUndefined();
    return storage === undefined ? undefined : storedStay(storage, shelterId);
  });

  useEffect(() => {
    let current = true;
    void outcomeOf(registrationApi.GET("/settings/status-items")).then((outcome) => {
      if (current) setStatusItems(outcome.ok ? outcome.data.items : DEFAULT_STATUS_ITEMS);
    });
    return () => {
      current = false;
    };
  }, [shelterId]);

  const request = useMemo(() => (step === "form" ? undefined : toRequest(form)), [step, form]);

  const failureText = (value: Failure | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (value.kind === "problem") return problemText(value.problem, lang, t);
    if (value.kind === "network") return t("errors.network");
    return t("errors.unexpected", { status: value.status });
  };

  const toConfirm = () => {
    const found = validate(form, localToday());
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) {
      setAttempt((count) => count + 1);
      return;
    }
    setStep("confirm");
  };

  const submit = async () => {
    if (request === undefined) return;
    setSubmitting(true);
    setFailure(undefined);
    const outcome = await outcomeOf(
      registrationApi.POST("/shelters/{shelter_id}/check-ins", { params: { path: { shelter_id: shelterId } }, body: request }),
    );
    setSubmitting(false);
    if (outcome.ok) {
      const storage = localStorageOrUndefined();
      if (storage !== undefined) {
        rememberStay(storage, shelterId, { stayId: outcome.data.stay_id, checkedInAt: outcome.data.checked_in_at });
      }
      setResult(outcome.data);
      setStep("done");
      return;
    }
    // Already checked in here: the public API names no stay (whoever knows a name and a date of
    // birth must not be able to check that person out), so the message sends the person to the
    // desk. Check-out stays on offer only for a stay this phone saved from its own check-in.
    setFailure(outcome.failure);
    if (outcome.failure.kind === "problem" && outcome.failure.problem.invalidParams.length > 0) {
      // The API named fields: back to the form, with each complaint next to its field.
      setErrors(serverErrors(outcome.failure.problem.invalidParams).errors);
      setAttempt((count) => count + 1);
      setStep("form");
    }
  };

  const shelterName = shelter.state === "found" ? shelter.shelter.name : undefined;
  const heading = step === "confirm" ? t("confirm.heading") : step === "done" ? t("done.heading") : t("checkin.heading");

  return (
    <>
      <FocusHeading key={step} takeFocus={!(step === "form" && Object.keys(errors).length > 0)}>
        {heading}
      </FocusHeading>
      {shelter.state === "refused" ? (
        <Notice kind="error">
          <p data-testid="shelter-problem">{problemText(shelter.problem, lang, t)}</p>
        </Notice>
      ) : (
        <>
          <ShelterBanner shelter={shelter} label={t("checkin.shelter")} loading={t("checkin.loading")} />
          {shelter.state === "found" && !shelter.shelter.is_open && step !== "done" && (
            <Notice kind="info">
              <p>{t("checkin.closed")}</p>
            </Notice>
          )}
          {shelter.state === "found" && shelter.shelter.training && step !== "done" && (
            <Notice kind="info">
              <p>{t("checkin.training")}</p>
            </Notice>
          )}
          {earlierStay !== undefined && step !== "done" && (
            <Notice kind="info">
              <p>{t("checkin.already", { reference: referenceOf(earlierStay.stayId) })}</p>
              <p>
                <Link href={checkOutPath(shelterId)}>{t("checkin.toCheckout")}</Link>
              </p>
            </Notice>
          )}
          <Steps current={step} />
          {step === "form" && (
            <>
              <CheckInFormView
                form={form}
                onChange={(patch) => setForm((previous) => ({ ...previous, ...patch }))}
                onSubmit={toConfirm}
                errors={errors}
                attempt={attempt}
                problemTitle={failureText(failure)}
                statusItems={statusItems}
                currentYear={new Date().getFullYear()}
              />
              <p class="aside-link">
                <Link href={checkOutPath(shelterId)}>{t("checkin.toCheckout")}</Link>
              </p>
            </>
          )}
          {step === "confirm" && request !== undefined && (
            <ConfirmView
              request={request}
              shelterName={shelterName}
              submitting={submitting}
              problem={failureText(failure)}
              onBack={() => {
                setFailure(undefined);
                setStep("form");
              }}
              onSubmit={() => void submit()}
            />
          )}
          {step === "done" && result !== undefined && <DoneView result={result} />}
        </>
      )}
    </>
  );
}
