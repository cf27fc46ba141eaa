/**
 * "Are you sure?" before a change that matters (open/close a shelter, forced check-out): a modal
 * <dialog>, so the focus stays inside, Escape cancels, and the question is its accessible name.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useStaffText } from "../i18n/context";

export function ConfirmDialog({
  question,
  onConfirm,
  onCancel,
  danger = false,
  busy = false,
  children,
}: {
  question: string;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
  busy?: boolean;
  children?: ComponentChildren;
}) {
  const { t } = useStaffText();
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    // showModal() focuses the first button, "yes": for a deletion, forced check-out or closing,
    // one stray Enter must not confirm it, so those start on "cancel".
    if (danger) cancelRef.current?.focus();
    return () => {
      if (dialog.open && typeof dialog.close === "function") dialog.close();
      // Back to the button that opened it; when that is gone (a forced check-out removes its
      // own button), to the page heading rather than losing focus to <body>.
      const target = opener?.isConnected === true ? opener : document.querySelector<HTMLElement>("h1[tabindex]");
      target?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm-dialog"
      aria-labelledby="confirm-question"
      onCancel={(event) => {
        event.preventDefault();
        // Escape while the confirmed request runs would unmount the dialog mid-request.
        if (!busy) onCancel();
      }}
    >
      <p id="confirm-question" class="confirm-question">
        {question}
      </p>
      {children}
      <div class="confirm-actions">
        <button type="button" class={danger ? "button button-danger" : "button button-primary"} onClick={onConfirm} disabled={busy}>
          {t("staff.confirm.yes")}
        </button>
        <button ref={cancelRef} type="button" class="button button-secondary" onClick={onCancel} disabled={busy}>
          {t("staff.confirm.cancel")}
        </button>
      </div>
    </dialog>
  );
}
