/**
 * Change one's own password (S10.2): current and new password, the new one typed twice. The
 * service checks the password policy and answers `password-policy` with the rules broken
 * (`violations`), shown under the problem's title. Every session ends with the change.
 */
import { useState } from "preact/hooks";
import { FocusHeading } from "../components/FocusHeading";
import { TextField } from "../components/fields";
import { useStaffText } from "../i18n/context";
import { inLang, violationText, type StaffMessage } from "./messages";
import { ProblemNotice, StatusNotice } from "./ProblemNotice";
import { useSession } from "./session";
import { takePendingUserId } from "./SignInPage";
import { useFieldText } from "./fieldText";

export function PasswordPage() {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [userId, setUserId] = useState(session.principal?.userId ?? takePendingUserId());
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const [done, setDone] = useState(false);
  const fieldText = useFieldText();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setFailure(null);
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    const outcome = await session.changePassword(userId.trim(), current, next);
    setBusy(false);
    if (outcome.ok) {
      setDone(true);
      setCurrent("");
      setNext("");
      setRepeat("");
    } else {
      setFailure(outcome.message);
    }
  };

  if (done) {
    return (
      <>
        <FocusHeading>{t("staff.password.title")}</FocusHeading>
        <StatusNotice>{t("staff.password.done")}</StatusNotice>
      </>
    );
  }
  return (
    <>
      <FocusHeading takeFocus={failure === null}>{t("staff.password.title")}</FocusHeading>
      <p class="lead">{t("staff.password.lead")}</p>
      {failure !== null && <ProblemNotice message={failure} />}
      <form class="staff-form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          id="password-user"
          label={t("staff.signIn.userId")}
          value={userId}
          onValue={setUserId}
          required
          text={fieldText}
          autocomplete="username"
          readOnly={session.principal !== null}
          maxLength={64}
        />
        <TextField
          id="password-current"
          label={t("staff.password.current")}
          type="password"
          value={current}
          onValue={setCurrent}
          required
          text={fieldText}
          autocomplete="current-password"
        />
        <TextField
          id="password-new"
          label={t("staff.password.new")}
          type="password"
          value={next}
          onValue={setNext}
          required
          text={fieldText}
          hint={t("staff.password.hint")}
          autocomplete="new-password"
          error={failure?.slug === "password-policy" ? failure.violations.map((violation) => inLang(violationText(violation), lang)).join(" / ") || inLang(failure.title, lang) : undefined}
        />
        <TextField
          id="password-repeat"
          label={t("staff.password.repeat")}
          type="password"
          value={repeat}
          onValue={setRepeat}
          required
          text={fieldText}
          autocomplete="new-password"
          error={mismatch ? t("staff.password.mismatch") : undefined}
        />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
            {t("staff.password.submit")}
          </button>
        </div>
      </form>
    </>
  );
}
