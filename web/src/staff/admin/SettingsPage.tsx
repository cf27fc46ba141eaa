/**
 * /staff/settings (S10.7, S15, S16.1): what the public search discloses (roster), the check-in
 * form's status items (registration), the password policy and the kiosk tokens (auth), and the
 * links on the staff home screen (registration). Each section loads and saves on its own, so a
 * service that is down leaves the others usable.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { RosterSchema } from "../../api/clients";
import { FocusHeading } from "../../components/FocusHeading";
import { TextField } from "../../components/fields";
import { ScrollRegion } from "../../components/visual/ScrollRegion";
import { useStaffText } from "../../i18n/context";
import { ConfirmDialog } from "../ConfirmDialog";
import type { StaffMessage } from "../messages";
import { ProblemNotice, StatusNotice } from "../ProblemNotice";
import { useSession } from "../session";
import { AdminOnly, dateTime, useFieldText } from "./common";

type Disclosure = RosterSchema["DisclosureSettingsPublic"];

export function SettingsPage() {
  const { t } = useStaffText();
  return (
    <AdminOnly title={t("staff.nav.settings")}>
      <FocusHeading>{t("staff.nav.settings")}</FocusHeading>
      <p class="lead">{t("admin.settings.lead")}</p>
      <DisclosureSection />
      <StatusItemsSection />
      <PasswordPolicySection />
      <KioskTokensSection />
      <LinksSection />
    </AdminOnly>
  );
}

/** One settings section: heading, its own failure / success line, then the form. */
function Section({
  id,
  heading,
  lead,
  failure,
  news,
  children,
}: {
  id: string;
  heading: string;
  lead?: string;
  failure: StaffMessage | undefined;
  news: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <section class="admin-section" aria-labelledby={`${id}-heading`} data-testid={id}>
      <h2 id={`${id}-heading`}>{heading}</h2>
      {lead !== undefined && <p>{lead}</p>}
      {failure !== undefined && <ProblemNotice message={failure} />}
      {news !== undefined && failure === undefined && <StatusNotice>{news}</StatusNotice>}
      {children}
    </section>
  );
}

function SaveButton({ busy }: { busy: boolean }) {
  const { t } = useStaffText();
  return (
    <div class="admin-inline">
      <button type="submit" class="button button-primary" disabled={busy}>
        {busy ? t("admin.saving") : t("admin.save")}
      </button>
    </div>
  );
}

/** Load-once-then-save state shared by the sections. */
function useSettingsForm<T>(load: () => Promise<{ ok: true; data: T } | { ok: false; message: StaffMessage }>) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [news, setNews] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void load().then((outcome) => {
      if (outcome.ok) setValue(outcome.data);
      else setFailure(outcome.message);
    });
    // Loads once; `load` closes over the session, which stays the same while signed in.
  }, []);
  const save = async (request: Promise<{ ok: true; data: T } | { ok: false; message: StaffMessage }>, saved: string) => {
    setBusy(true);
    const outcome = await request;
    setBusy(false);
    if (outcome.ok) {
      setFailure(undefined);
      setNews(saved);
      setValue(outcome.data);
    } else {
      setNews(undefined);
      setFailure(outcome.message);
    }
  };
  return { value, setValue, failure, news, busy, save };
}

const DISCLOSED = ["name", "sex", "age", "address"] as const;

function DisclosureSection() {
  const { t } = useStaffText();
  const session = useSession();
  const form = useSettingsForm<Disclosure>(() => session.call(session.clients.roster.GET("/settings/disclosure")));
  const value = form.value;
  return (
    <Section id="disclosure" heading={t("admin.disclosure.heading")} lead={t("admin.disclosure.lead")} failure={form.failure} news={form.news}>
      {value === undefined ? (
        form.failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void form.save(session.call(session.clients.roster.PUT("/settings/disclosure", { body: value })), t("admin.saved"));
          }}
        >
          <fieldset class="field">
            <legend class="field-label">{t("admin.disclosure.heading")}</legend>
            <div class="choices">
              {DISCLOSED.map((field) => (
                <label class="choice" key={field}>
                  <input
                    type="checkbox"
                    name={`disclose-${field}`}
                    checked={value[field]}
                    onChange={(event) => form.setValue({ ...value, [field]: event.currentTarget.checked })}
                  />
                  <span>{t(`admin.disclosure.${field}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset class="field" role="radiogroup">
            <legend class="field-label">{t("admin.disclosure.ageFormat")}</legend>
            <div class="choices">
              {(["years", "band"] as const).map((format) => (
                <label class="choice" key={format}>
                  <input
                    type="radio"
                    name="age-format"
                    value={format}
                    checked={value.age_format === format}
                    onChange={() => form.setValue({ ...value, age_format: format })}
                  />
                  <span>{t(`admin.disclosure.${format}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <SaveButton busy={form.busy} />
        </form>
      )}
    </Section>
  );
}

function StatusItemsSection() {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const form = useSettingsForm<{ items: string[] }>(() => session.call(session.clients.registration.GET("/settings/status-items")));
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const shown = draft ?? form.value?.items.join("\n");
  return (
    <Section id="status-items" heading={t("admin.status.heading")} failure={form.failure} news={form.news}>
      {shown === undefined ? (
        form.failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const items = [...new Set(shown.split("\n").map((line) => line.trim()).filter((line) => line !== ""))];
            setDraft(undefined);
            void form.save(session.call(session.clients.registration.PUT("/settings/status-items", { body: { items } })), t("admin.saved"));
          }}
        >
          <TextField id="status-items-text" label={t("admin.status.items")} hint={t("admin.status.hint")} value={shown} onValue={setDraft} required={false} text={text} multiline />
          <SaveButton busy={form.busy} />
        </form>
      )}
    </Section>
  );
}

interface PasswordPolicy {
  min_length: number;
  required_classes: string[];
  history: number;
  max_age_days: number | null;
  lockout_threshold: number;
  lockout_minutes: number;
}

const CHAR_CLASSES = ["lowercase", "uppercase", "digit", "symbol"] as const;

function PasswordPolicySection() {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const form = useSettingsForm<PasswordPolicy>(() => session.json<PasswordPolicy>("GET", "/api/auth/settings/password-policy"));
  const value = form.value;
  const numberField = (key: "min_length" | "history" | "lockout_threshold" | "lockout_minutes", label: string) => (
    <TextField
      id={`policy-${key}`}
      label={label}
      value={String(value?.[key] ?? "")}
      onValue={(next) => value !== undefined && form.setValue({ ...value, [key]: Number(next) })}
      required
      text={text}
      inputMode="numeric"
      autoComplete="off"
    />
  );
  return (
    <Section id="password-policy" heading={t("admin.policy.heading")} failure={form.failure} news={form.news}>
      {value === undefined ? (
        form.failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void form.save(session.json<PasswordPolicy>("PUT", "/api/auth/settings/password-policy", value), t("admin.saved"));
          }}
          noValidate
        >
          {numberField("min_length", t("admin.policy.minLength"))}
          <fieldset class="field">
            <legend class="field-label">{t("admin.policy.classes")}</legend>
            <div class="choices">
              {CHAR_CLASSES.map((charClass) => (
                <label class="choice" key={charClass}>
                  <input
                    type="checkbox"
                    checked={value.required_classes.includes(charClass)}
                    onChange={(event) =>
                      form.setValue({
                        ...value,
                        required_classes: event.currentTarget.checked
                          ? [...value.required_classes, charClass]
                          : value.required_classes.filter((candidate) => candidate !== charClass),
                      })
                    }
                  />
                  <span>{t(`admin.policy.class.${charClass}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          {numberField("history", t("admin.policy.history"))}
          <TextField
            id="policy-max_age_days"
            label={t("admin.policy.maxAge")}
            hint={t("admin.policy.maxAgeHint")}
            value={value.max_age_days === null ? "" : String(value.max_age_days)}
            onValue={(next) => form.setValue({ ...value, max_age_days: next.trim() === "" ? null : Number(next) })}
            required={false}
            text={text}
            inputMode="numeric"
            autoComplete="off"
          />
          {numberField("lockout_threshold", t("admin.policy.lockoutThreshold"))}
          {numberField("lockout_minutes", t("admin.policy.lockoutMinutes"))}
          <SaveButton busy={form.busy} />
        </form>
      )}
    </Section>
  );
}

interface KioskToken {
  token_id: string;
  shelter_id: string;
  label: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface KioskIssued {
  token_id: string;
  token: string;
  shelter_id: string;
  label: string;
}

function KioskTokensSection() {
  const { t, lang } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const [tokens, setTokens] = useState<readonly KioskToken[] | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [news, setNews] = useState<string | undefined>(undefined);
  const [issued, setIssued] = useState<KioskIssued | undefined>(undefined);
  const [shelterId, setShelterId] = useState("");
  const [label, setLabel] = useState("");
  const [revoking, setRevoking] = useState<KioskToken | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const outcome = await session.json<KioskToken[]>("GET", "/api/auth/kiosk-tokens");
    if (outcome.ok) setTokens(outcome.data);
    else setFailure(outcome.message);
  }, [session]);
  useEffect(() => void load(), [load]);

  const issue = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const outcome = await session.json<KioskIssued>("POST", "/api/auth/kiosk-tokens", { shelter_id: shelterId.trim(), label: label.trim() });
    setBusy(false);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    setFailure(undefined);
    setNews(undefined);
    setIssued(outcome.data);
    setShelterId("");
    setLabel("");
    await load();
  };

  const revoke = async () => {
    if (revoking === undefined) return;
    setBusy(true);
    const outcome = await session.json<null>("DELETE", `/api/auth/kiosk-tokens/${encodeURIComponent(revoking.token_id)}`);
    setBusy(false);
    const revokedLabel = revoking.label;
    setRevoking(undefined);
    if (outcome.ok) {
      await load();
      setFailure(undefined);
      setNews(t("admin.kiosk.revokedDone", { label: revokedLabel }));
    } else setFailure(outcome.message);
  };

  return (
    <Section id="kiosk-tokens" heading={t("admin.kiosk.heading")} lead={t("admin.kiosk.lead")} failure={failure} news={news}>
      {issued !== undefined && (
        <div class="notice notice-success" role="status" data-testid="kiosk-issued">
          <div class="notice-body">
            <p>{t("admin.kiosk.issued")}</p>
            <p>
              <code class="kiosk-token">{issued.token}</code>
            </p>
          </div>
        </div>
      )}
      {tokens === undefined ? (
        failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : tokens.length === 0 ? (
        <p>{t("admin.kiosk.empty")}</p>
      ) : (
        <ScrollRegion labelledBy="kiosk-tokens-heading">
          <table class="data-table" data-testid="kiosk-table">
            <thead>
              <tr>
                <th scope="col">{t("admin.kiosk.label")}</th>
                <th scope="col">{t("admin.kiosk.shelter")}</th>
                <th scope="col">{t("admin.kiosk.created")}</th>
                <th scope="col">{t("admin.kiosk.lastUsed")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.token_id} data-token={token.token_id}>
                  <th scope="row">{token.label}</th>
                  <td>{token.shelter_id}</td>
                  <td>{dateTime(token.created_at, lang)}</td>
                  <td>{token.last_used_at === null ? t("admin.kiosk.never") : dateTime(token.last_used_at, lang)}</td>
                  <td>
                    {token.revoked_at !== null ? (
                      t("admin.kiosk.revoked", { time: dateTime(token.revoked_at, lang) })
                    ) : (
                      <button type="button" class="button button-danger" onClick={() => setRevoking(token)} aria-label={`${t("admin.kiosk.revoke")}: ${token.label}`}>
                        {t("admin.kiosk.revoke")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <form onSubmit={(event) => void issue(event)} noValidate>
        <TextField id="kiosk-shelter" label={t("admin.kiosk.shelter")} value={shelterId} onValue={setShelterId} required text={text} autoComplete="off" />
        <TextField id="kiosk-label" label={t("admin.kiosk.label")} hint={t("admin.kiosk.labelHint")} value={label} onValue={setLabel} required text={text} autoComplete="off" />
        <div class="admin-inline">
          <button type="submit" class="button button-primary" disabled={busy}>
            {t("admin.kiosk.issue")}
          </button>
        </div>
      </form>
      {revoking !== undefined && (
        <ConfirmDialog
          question={t("admin.kiosk.confirmRevoke", { label: revoking.label })}
          danger
          busy={busy}
          onConfirm={() => void revoke()}
          onCancel={() => setRevoking(undefined)}
        />
      )}
    </Section>
  );
}

interface HomeLink {
  label_ja: string;
  label_en: string;
  url: string;
}

function LinksSection() {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const form = useSettingsForm<{ links: HomeLink[] }>(() => session.json<{ links: HomeLink[] }>("GET", "/api/registration/settings/links"));
  const links = form.value?.links;
  const change = (index: number, patch: Partial<HomeLink>) =>
    links !== undefined && form.setValue({ links: links.map((link, at) => (at === index ? { ...link, ...patch } : link)) });
  return (
    <Section id="home-links" heading={t("admin.links.heading")} lead={t("admin.links.lead")} failure={form.failure} news={form.news}>
      {links === undefined ? (
        form.failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void form.save(session.json<{ links: HomeLink[] }>("PUT", "/api/registration/settings/links", { links }), t("admin.saved"));
          }}
          noValidate
        >
          {links.length === 0 && <p>{t("admin.links.empty")}</p>}
          {links.map((link, index) => (
            <fieldset class="field" key={index}>
              <legend class="field-label">{t("admin.links.item", { number: index + 1 })}</legend>
              <TextField id={`link-${index}-ja`} label={t("admin.links.labelJa")} value={link.label_ja} onValue={(value) => change(index, { label_ja: value })} required text={text} autoComplete="off" />
              <TextField id={`link-${index}-en`} label={t("admin.links.labelEn")} value={link.label_en} onValue={(value) => change(index, { label_en: value })} required text={text} autoComplete="off" />
              <TextField id={`link-${index}-url`} type="url" label={t("admin.links.url")} value={link.url} onValue={(value) => change(index, { url: value })} required text={text} autoComplete="off" />
              <button
                type="button"
                class="button button-secondary"
                onClick={() => form.setValue({ links: links.filter((_, at) => at !== index) })}
                aria-label={`${t("admin.links.remove")} (${t("admin.links.item", { number: index + 1 })})`}
              >
                {t("admin.links.remove")}
              </button>
            </fieldset>
          ))}
          <div class="admin-inline">
            <button type="button" class="button button-secondary" onClick={() => form.setValue({ links: [...links, { label_ja: "", label_en: "", url: "" }] })}>
              {t("admin.links.add")}
            </button>
          </div>
          <SaveButton busy={form.busy} />
        </form>
      )}
    </Section>
  );
}
