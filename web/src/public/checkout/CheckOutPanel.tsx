/** Check-out from the phone that checked in (S10 public 2, S16): a button, a question, the request. */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { outcomeOf, registrationApi } from "../../api/clients";
import { Icon } from "../../components/Icon";
import { Notice } from "../../components/PublicLayout";
import { usePublicText } from "../../i18n/context";
import { problemText } from "../problemText";
import { forgetStay, localStorageOrUndefined, type StoredStay } from "../stays";

type State = "idle" | "asking" | "sending" | "done";

export function CheckOutPanel({ shelterId, stay }: { shelterId: string; stay: StoredStay }) {
  const { t, lang } = usePublicText();
  const [state, setState] = useState<State>("idle");
  const [error, setError] = useState<string | undefined>(undefined);
  const questionRef = useRef<HTMLParagraphElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const previous = useRef<State>("idle");
  // The button that was pressed disappears: move the focus to what replaced it.
  useLayoutEffect(() => {
    if (state === "asking" && previous.current === "idle") questionRef.current?.focus();
    if (state === "idle" && previous.current === "asking") startRef.current?.focus();
    previous.current = state;
  }, [state]);

  const checkOut = async () => {
    setState("sending");
    setError(undefined);
    const outcome = await outcomeOf(
      registrationApi.POST("/shelters/{shelter_id}/check-outs", {
        params: { path: { shelter_id: shelterId } },
        body: { stay_id: stay.stayId },
      }),
    );
    if (outcome.ok) {
      const storage = localStorageOrUndefined();
      if (storage !== undefined) forgetStay(storage, shelterId);
      setState("done");
      return;
    }
    const { failure } = outcome;
    if (failure.kind === "problem" && ["already-checked-out", "unknown-stay"].includes(failure.problem.slug)) {
      // Checked out by staff meanwhile, or the shelter's data was closed: the record is of no more use.
      const storage = localStorageOrUndefined();
      if (storage !== undefined) forgetStay(storage, shelterId);
    }
    setError(
      failure.kind === "problem"
        ? problemText(failure.problem, lang, t)
        : failure.kind === "network"
          ? t("errors.network")
          : t("errors.unexpected", { status: failure.status }),
    );
    setState("asking");
  };

  if (state === "done") {
    return (
      <Notice kind="success">
        <p>{t("checkout.done")}</p>
      </Notice>
    );
  }
  return (
    <div class="checkout-panel">
      {error !== undefined && (
        <Notice kind="error">
          <p>{error}</p>
        </Notice>
      )}
      {state === "idle" ? (
        <button ref={startRef} type="button" class="button button-secondary" onClick={() => setState("asking")}>
          <Icon name="door" />
          <span>{t("checkout.button")}</span>
        </button>
      ) : (
        <div class="checkout-question" role="group" aria-labelledby="checkout-question">
          <p id="checkout-question" class="question" ref={questionRef} tabIndex={-1}>
            {t("checkout.question")}
          </p>
          <div class="actions actions-stacked">
            <button type="button" class="button button-danger" onClick={() => void checkOut()} disabled={state === "sending"} aria-busy={state === "sending"}>
              <Icon name="door" />
              <span>{state === "sending" ? t("checkout.sending") : t("checkout.yes")}</span>
            </button>
            <button type="button" class="button button-secondary" onClick={() => setState("idle")} disabled={state === "sending"}>
              <span>{t("checkout.cancel")}</span>
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
