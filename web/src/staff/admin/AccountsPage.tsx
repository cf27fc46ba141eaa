/**
 * /staff/accounts (S10.5): the administrator creates staff accounts, edits their role, assigned
 * shelters and expiry, locks one at once in an emergency (and unlocks it), and deletes it.
 * Auth's account API: GET/POST /api/auth/accounts, PATCH/DELETE /accounts/{id}, POST /{id}/unlock.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { FocusHeading } from "../../components/FocusHeading";
import { TextField } from "../../components/fields";
import { ScrollRegion } from "../../components/visual/ScrollRegion";
import { useStaffText } from "../../i18n/context";
import { ConfirmDialog } from "../ConfirmDialog";
import type { StaffMessage } from "../messages";
import { ProblemNotice, StatusNotice } from "../ProblemNotice";
import { useSession, type StaffRole } from "../session";
import { useEditorFocus } from "../useEditorFocus";
import { AdminOnly, dateTime, fromLocalInput, shelterIdsOf, toLocalInput, useFieldText } from "./common";

export interface Account {
  readonly user_id: string;
  readonly display_name: string;
  readonly role: StaffRole;
  readonly shelters: readonly string[];
  readonly expires_at: string | null;
  readonly locked: boolean;
  readonly locked_out_until: string | null;
  readonly failed_attempts: number;
  readonly must_change_password: boolean;
}

const ROLES: readonly StaffRole[] = ["administrator", "shelter_staff", "hq_viewer"];
const accountPath = (userId: string) => `/api/auth/accounts/${encodeURIComponent(userId)}`;

type Pending = { kind: "lock" | "delete"; account: Account } | undefined;

export function AccountsPage() {
  const { t } = useStaffText();
  return (
    <AdminOnly title={t("staff.nav.accounts")}>
      <Accounts />
    </AdminOnly>
  );
}

function Accounts() {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [accounts, setAccounts] = useState<readonly Account[] | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [news, setNews] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<Account | undefined>(undefined);
  const [pending, setPending] = useState<Pending>(undefined);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const outcome = await session.json<Account[]>("GET", "/api/auth/accounts");
    if (outcome.ok) setAccounts(outcome.data);
    else setFailure(outcome.message);
  }, [session]);
  useEffect(() => void load(), [load]);

  /** The list is reloaded first, so the success line appears together with the changed list. */
  const done = async (message: string) => {
    await load();
    setFailure(undefined);
    setNews(message);
  };

  const confirm = async () => {
    if (pending === undefined) return;
    setBusy(true);
    const { account } = pending;
    const outcome =
      pending.kind === "delete"
        ? await session.json<null>("DELETE", accountPath(account.user_id))
        : await session.json<Account>("PATCH", accountPath(account.user_id), { locked: true });
    setBusy(false);
    setPending(undefined);
    if (outcome.ok) {
      await done(t(pending.kind === "delete" ? "admin.accounts.deleted" : "admin.accounts.lockedDone", { user: account.user_id }));
    } else setFailure(outcome.message);
  };

  const unlock = async (account: Account) => {
    const outcome = await session.json<Account>("POST", `${accountPath(account.user_id)}/unlock`);
    if (outcome.ok) await done(t("admin.accounts.unlockedDone", { user: account.user_id }));
    else setFailure(outcome.message);
  };

  return (
    <>
      <FocusHeading>{t("staff.nav.accounts")}</FocusHeading>
      <p class="lead">{t("admin.accounts.lead")}</p>
      {failure !== undefined && <ProblemNotice message={failure} />}
      {news !== undefined && failure === undefined && <StatusNotice>{news}</StatusNotice>}
      <section class="admin-section" aria-labelledby="accounts-list">
        <h2 id="accounts-list">{t("admin.accounts.list")}</h2>
        {accounts === undefined ? (
          failure === undefined && <p role="status">{t("staff.loading")}</p>
        ) : (
          <ScrollRegion labelledBy="accounts-list">
            <table class="data-table" data-testid="accounts-table">
              <thead>
                <tr>
                  <th scope="col">{t("admin.accounts.userId")}</th>
                  <th scope="col">{t("admin.accounts.role")}</th>
                  <th scope="col">{t("admin.accounts.shelters")}</th>
                  <th scope="col">{t("admin.accounts.expiresAt")}</th>
                  <th scope="col">{t("admin.accounts.state")}</th>
                  <th scope="col">{t("admin.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((account) => {
                  const self = account.user_id === session.principal?.userId;
                  return (
                    <tr key={account.user_id} data-user={account.user_id}>
                      <th scope="row">
                        {account.user_id}
                        {self && ` ${t("admin.accounts.self")}`}
                        <span class="table-note">{account.display_name}</span>
                      </th>
                      <td>{t(`staff.role.${account.role}`)}</td>
                      <td>{account.role === "shelter_staff" ? account.shelters.join(", ") || t("admin.none") : t("admin.accounts.allShelters")}</td>
                      <td>{account.expires_at === null ? t("admin.accounts.noExpiry") : dateTime(account.expires_at, lang)}</td>
                      <td data-testid="account-state">{stateOf(account, t, lang)}</td>
                      <td>
                        <div class="admin-table-actions">
                          <button type="button" class="button button-secondary" onClick={() => setEditing(account)} aria-label={`${t("admin.edit")}: ${account.user_id}`}>
                            {t("admin.edit")}
                          </button>
                          {account.locked || account.locked_out_until !== null ? (
                            <button type="button" class="button button-secondary" onClick={() => void unlock(account)} aria-label={`${t("admin.accounts.unlock")}: ${account.user_id}`}>
                              {t("admin.accounts.unlock")}
                            </button>
                          ) : (
                            !self && (
                              <button type="button" class="button button-secondary" onClick={() => setPending({ kind: "lock", account })} aria-label={`${t("admin.accounts.lock")}: ${account.user_id}`}>
                                {t("admin.accounts.lock")}
                              </button>
                            )
                          )}
                          {!self && (
                            <button type="button" class="button button-danger" onClick={() => setPending({ kind: "delete", account })} aria-label={`${t("admin.delete")}: ${account.user_id}`}>
                              {t("admin.delete")}
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>
      {editing !== undefined && (
        <AccountForm
          key={editing.user_id}
          account={editing}
          onDone={(account) => {
            setEditing(undefined);
            void done(t("admin.accounts.updated", { user: account.user_id }));
          }}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <AccountForm key="new" onDone={(account) => void done(t("admin.accounts.created", { user: account.user_id }))} />
      {pending !== undefined && (
        <ConfirmDialog
          question={t(pending.kind === "delete" ? "admin.accounts.confirmDelete" : "admin.accounts.confirmLock", { user: pending.account.user_id })}
          danger
          busy={busy}
          onConfirm={() => void confirm()}
          onCancel={() => setPending(undefined)}
        />
      )}
    </>
  );
}

function stateOf(account: Account, t: ReturnType<typeof useStaffText>["t"], lang: ReturnType<typeof useStaffText>["lang"]): string {
  const states: string[] = [];
  if (account.locked) states.push(t("admin.accounts.locked"));
  if (account.locked_out_until !== null && Date.parse(account.locked_out_until) > Date.now()) {
    states.push(t("admin.accounts.lockedOut", { time: dateTime(account.locked_out_until, lang) }));
  }
  if (account.expires_at !== null && Date.parse(account.expires_at) <= Date.now()) states.push(t("admin.accounts.expired"));
  if (account.must_change_password) states.push(t("admin.accounts.mustChange"));
  return states.length === 0 ? t("admin.accounts.active") : states.join(t("staff.list.separator"));
}

/** Create (no `account`) or edit one account. */
function AccountForm({ account, onDone, onCancel }: { account?: Account; onDone: (account: Account) => void; onCancel?: () => void }) {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const editing = account !== undefined;
  const heading = useEditorFocus<HTMLHeadingElement>(editing);
  const prefix = editing ? "edit-account" : "new-account";
  const [userId, setUserId] = useState("");
  const [displayName, setDisplayName] = useState(account?.display_name ?? "");
  const [role, setRole] = useState<StaffRole>(account?.role ?? "shelter_staff");
  const [shelters, setShelters] = useState(account?.shelters.join(", ") ?? "");
  const [expiresAt, setExpiresAt] = useState(toLocalInput(account?.expires_at));
  const [password, setPassword] = useState("");
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const common = {
      display_name: displayName.trim(),
      role,
      shelters: role === "shelter_staff" ? shelterIdsOf(shelters) : [],
      expires_at: fromLocalInput(expiresAt),
    };
    const outcome = editing
      ? await session.json<Account>("PATCH", accountPath(account.user_id), common)
      : await session.json<Account>("POST", "/api/auth/accounts", { ...common, user_id: userId.trim(), password });
    setBusy(false);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    setFailure(undefined);
    if (!editing) {
      setUserId("");
      setDisplayName("");
      setShelters("");
      setExpiresAt("");
      setPassword("");
    }
    onDone(outcome.data);
  };

  const headingId = `${prefix}-heading`;
  return (
    <section class="admin-section admin-form" aria-labelledby={headingId} data-testid={prefix}>
      <h2 id={headingId} ref={heading} tabIndex={editing ? -1 : undefined}>
        {editing ? t("admin.accounts.editHeading", { user: account.user_id }) : t("admin.accounts.createHeading")}
      </h2>
      {failure !== undefined && <ProblemNotice message={failure} />}
      <form onSubmit={(event) => void submit(event)} noValidate>
        {!editing && (
          <TextField id={`${prefix}-user`} label={t("admin.accounts.userId")} hint={t("admin.accounts.userIdHint")} value={userId} onValue={setUserId} required text={text} autoComplete="off" />
        )}
        <TextField id={`${prefix}-name`} label={t("admin.accounts.displayName")} value={displayName} onValue={setDisplayName} required text={text} autoComplete="off" />
        <div class="field">
          <label for={`${prefix}-role`} class="field-label">
            <span>{t("admin.accounts.role")}</span>
          </label>
          <select id={`${prefix}-role`} value={role} onChange={(event) => setRole(event.currentTarget.value as StaffRole)}>
            {ROLES.map((candidate) => (
              <option key={candidate} value={candidate}>
                {t(`staff.role.${candidate}`)}
              </option>
            ))}
          </select>
        </div>
        {role === "shelter_staff" && (
          <TextField id={`${prefix}-shelters`} label={t("admin.accounts.shelters")} hint={t("admin.accounts.sheltersHint")} value={shelters} onValue={setShelters} required={false} text={text} autoComplete="off" />
        )}
        <TextField
          id={`${prefix}-expires`}
          type="datetime-local"
          label={t("admin.accounts.expiresAt")}
          hint={t("admin.accounts.expiresHint")}
          value={expiresAt}
          onValue={setExpiresAt}
          required={false}
          text={text}
        />
        {!editing && (
          <TextField
            id={`${prefix}-password`}
            type="password"
            label={t("admin.accounts.password")}
            hint={t("admin.accounts.passwordHint")}
            value={password}
            onValue={setPassword}
            required
            text={text}
            autoComplete="new-password"
          />
        )}
        <div class="admin-inline">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t("admin.saving") : editing ? t("admin.save") : t("admin.accounts.create")}
          </button>
          {onCancel !== undefined && (
            <button type="button" class="button button-secondary" onClick={onCancel}>
              {t("admin.cancel")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
