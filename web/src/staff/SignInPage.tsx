/**
 * Staff sign-in (S10.1): user id and password; the auth service sets HttpOnly cookies. Refusals
 * are the service's problem details in Japanese and English: wrong credentials, locked out after
 * failed attempts (with the time), locked by an administrator, expired account, or a password
 * that must be changed first (a link to the password page, the user id carried over).
 */
import { useState } from "preact/hooks";
import { navigate } from "../app/navigation";
import { STAFF_PATHS } from "../app/routes";
import { FocusHeading } from "../components/FocusHeading";
import { TextField } from "../components/fields";
import { useStaffText } from "../i18n/context";
import { dateTimeLabel } from "../i18n/format";
import type { StaffMessage } from "./messages";
import { ProblemNotice, StatusNotice } from "./ProblemNotice";
import { useSession } from "./session";
import { useFieldText } from "./fieldText";

/** The user id typed at sign-in, for the password page when the password must change first. */
let pendingUserId = "";
export function takePendingUserId(): string {
  return pendingUserId;
}

export function SignInPage({ afterSignIn }: { afterSignIn?: string | undefined }) {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [userId, setUserId] = useState(pendingUserId);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const fieldText = useFieldText();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setFailure(null);
    if (userId.trim() === "" || password === "") {
      setMissing(true);
      return;
    }
    setMissing(false);
    setBusy(true);
    const result = await session.signIn(userId.trim(), password);
    setBusy(false);
    if (result.ok) {
      pendingUserId = "";
      if (afterSignIn !== undefined) navigate(afterSignIn);
      return;
    }
    pendingUserId = userId.trim();
    setPassword("");
    setFailure(result.message);
  };

  return (
    <>
      <FocusHeading takeFocus={failure === null}>{t("staff.signIn.title")}</FocusHeading>
      {session.endedBecause === "expired" && <StatusNotice>{t("staff.signIn.expired")}</StatusNotice>}
      {session.endedBecause === "signedOut" && <StatusNotice>{t("staff.signIn.signedOut")}</StatusNotice>}
      <p class="lead">{t("staff.signIn.lead")}</p>
      {failure !== null && (
        <ProblemNotice message={failure}>
          {failure.slug === "account-locked-out" && typeof failure.extensions["locked_until"] === "string" && (
            <p>{t("staff.signIn.lockedUntil", { time: dateTimeLabel(failure.extensions["locked_until"], lang) })}</p>
          )}
          {failure.slug === "password-change-required" && (
            <p>
              {t("staff.signIn.changeRequired")}{" "}
              <a
                href={STAFF_PATHS.password}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(STAFF_PATHS.password);
                }}
              >
                {t("staff.signIn.toPassword")}
              </a>
            </p>
          )}
        </ProblemNotice>
      )}
      {missing && (
        <div class="notice notice-error" role="alert">
          <div class="notice-body">
            <p>{t("staff.signIn.missing")}</p>
          </div>
        </div>
      )}
      <form class="staff-form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          id="sign-in-user"
          label={t("staff.signIn.userId")}
          value={userId}
          onValue={setUserId}
          required
          text={fieldText}
          autocomplete="username"
          autoCapitalize="none"
          spellcheck={false}
          maxLength={64}
          error={missing && userId.trim() === "" ? t("staff.signIn.missing") : undefined}
        />
        <TextField
          id="sign-in-password"
          label={t("staff.signIn.password")}
          type="password"
          value={password}
          onValue={setPassword}
          required
          text={fieldText}
          autocomplete="current-password"
          error={missing && password === "" ? t("staff.signIn.missing") : undefined}
        />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
            {busy ? t("staff.signIn.submitting") : t("staff.signIn.submit")}
          </button>
        </div>
      </form>
    </>
  );
}
