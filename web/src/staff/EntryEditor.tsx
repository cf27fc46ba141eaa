/**
 * Edit one roster entry (S11.1 edit link) and read its history: only the changed fields are
 * sent, with the revision read, so a concurrent edit is refused (409 edit-conflict) instead of
 * overwritten; the history lists who changed which field when, old and new value.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { EntryHistory, RosterEntry } from "../api/clients";
import { TextField } from "../components/fields";
import { dateTimeLabel } from "../i18n/format";
import { useStaffText } from "../i18n/context";
import type { StaffKey } from "../i18n/staff";
import type { StaffMessage } from "./messages";
import { ProblemNotice, useFieldErrors } from "./ProblemNotice";
import { changesOf, editableOf, fullName, type EditableFields } from "./roster";
import { useSession } from "./session";
import { useFieldText } from "./fieldText";

const LABELS: Readonly<Record<keyof EditableFields, StaffKey>> = {
  family_name: "staff.person.familyName",
  given_name: "staff.person.givenName",
  family_name_kana: "staff.person.familyNameKana",
  given_name_kana: "staff.person.givenNameKana",
  address: "staff.person.address",
  phone: "staff.person.phone",
  remarks: "staff.person.remarks",
};
const REQUIRED: ReadonlySet<keyof EditableFields> = new Set(["family_name", "given_name", "address"]);

const OTHER_LABELS: Readonly<Record<string, StaffKey>> = {
  date_of_birth: "staff.person.dateOfBirth",
  sex: "staff.person.sex",
};

/** The label of a field named in a problem or the history (`personal.family_name`, `remarks`). */
export function fieldLabelKey(name: string): StaffKey | undefined {
  const last = name.split(".").pop() ?? name;
  if (Object.hasOwn(LABELS, last)) return LABELS[last as keyof EditableFields];
  return Object.hasOwn(OTHER_LABELS, last) ? OTHER_LABELS[last] : undefined;
}

export function EntryEditor({ entry, onSaved, onCancel }: { entry: RosterEntry; onSaved: (entry: RosterEntry) => void; onCancel: () => void }) {
  const { t } = useStaffText();
  const session = useSession();
  // Frozen when the editor opens: the roster list may re-read (and pass a newer entry) while the
  // editor is open; sending the old draft with the NEW revision would undo a colleague's change
  // without the 409 edit-conflict (S11.1). The revision read goes with the fields read.
  const [snapshot] = useState(() => ({ before: editableOf(entry), revision: entry.revision }));
  const { before } = snapshot;
  const [fields, setFields] = useState<EditableFields>(before);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const fieldText = useFieldText();
  const idPrefix = `edit-${entry.stay_id}`;
  const errorOf = useFieldErrors(failure);

  // Review item 20: when the editor closes (saved or cancelled) with the focus inside it, the
  // focus goes back to what opened it (the entry's Edit button), not to <body>.
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const form = formRef.current;
    return () => {
      const active = document.activeElement;
      const lost = active === null || active === document.body || (form?.contains(active) ?? false);
      if (lost && opener?.isConnected === true) opener.focus();
    };
  }, []);

  const save = async (event: Event) => {
    event.preventDefault();
    const body = changesOf(before, fields, snapshot.revision);
    if (body === undefined) {
      onCancel();
      return;
    }
    setBusy(true);
    const outcome = await session.call(session.clients.roster.PATCH("/entries/{stay_id}", { params: { path: { stay_id: entry.stay_id } }, body }));
    setBusy(false);
    if (outcome.ok) onSaved(outcome.data);
    else setFailure(outcome.message);
  };

  return (
    <form ref={formRef} class="entry-editor" onSubmit={(event) => void save(event)} noValidate aria-labelledby={`${idPrefix}-title`}>
      <h4 id={`${idPrefix}-title`}>{t("staff.roster.editTitle", { name: fullName(entry) })}</h4>
      {failure !== null && <ProblemNotice message={failure} fieldLabel={fieldLabelKey} />}
      {(Object.keys(LABELS) as (keyof EditableFields)[]).map((key) => (
        <TextField
          key={key}
          id={`${idPrefix}-${key}`}
          label={t(LABELS[key])}
          value={fields[key]}
          onValue={(value) => setFields({ ...fields, [key]: value })}
          required={REQUIRED.has(key)}
          text={fieldText}
          multiline={key === "remarks"}
          maxLength={key === "remarks" ? 1000 : 200}
          error={errorOf(key)}
        />
      ))}
      <div class="card-actions">
        <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
          {t("staff.roster.save")}
        </button>
        <button type="button" class="button button-secondary" onClick={onCancel} disabled={busy}>
          {t("staff.confirm.cancel")}
        </button>
      </div>
    </form>
  );
}

/** A value of the edit history; a list with the reader's language's separator. */
export function shown(value: unknown, separator: string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.map(String).join(separator);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function EntryHistoryView({ entry }: { entry: RosterEntry }) {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [history, setHistory] = useState<EntryHistory | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const headingId = `history-${entry.stay_id}`;
  useEffect(() => {
    void session.call(session.clients.roster.GET("/entries/{stay_id}/history", { params: { path: { stay_id: entry.stay_id } } })).then((outcome) => {
      if (outcome.ok) setHistory(outcome.data);
      else setFailure(outcome.message);
    });
  }, [entry.revision]);
  return (
    <section class="entry-history" aria-labelledby={headingId}>
      <h4 id={headingId}>{t("staff.roster.historyTitle", { name: fullName(entry) })}</h4>
      {failure !== null && <ProblemNotice message={failure} />}
      {history === null ? (
        failure === null && <p role="status">{t("staff.loading")}</p>
      ) : history.items.length === 0 ? (
        <p>{t("staff.roster.historyEmpty")}</p>
      ) : (
        <ol class="history-list">
          {history.items.map((edit, index) => (
            <li key={`${edit.at}-${index}`}>
              <p class="history-when">{t("staff.roster.historyBy", { time: dateTimeLabel(edit.at, lang), actor: edit.actor ?? "—" })}</p>
              <ul>
                {edit.changes.map((change) => {
                  const key = fieldLabelKey(change.field);
                  return (
                    <li key={change.field}>
                      <strong>{key === undefined ? change.field : t(key)}</strong>: <span lang="ja">{shown(change.old, t("staff.list.separator"))}</span> → <span lang="ja">{shown(change.new, t("staff.list.separator"))}</span>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
