/**
 * /staff/disaster (災害収束, S10.3, S13.1), administrators only: step 1 names the shelters still
 * open (they must close first) and saves the disaster's file (roster's `GET /disaster/export.zip`,
 * with progress); step 2, open only after that download in this visit, asks for the phrase
 * 災害収束, a confirmation, then registration's `POST /disaster/close` (a refusal that passes by
 * itself is tried again; one that needs a new download locks step 2 again); step 3 reads
 * `GET /disaster/status` again until every service confirmed the deletion of its personal data,
 * announced to screen readers.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ShelterPublic } from "../../api/clients";
import { Link } from "../../app/navigation";
import { STAFF_PATHS } from "../../app/routes";
import { FocusHeading } from "../../components/FocusHeading";
import { Icon } from "../../components/Icon";
import { TextField } from "../../components/fields";
import { useStaffText } from "../../i18n/context";
import { AdminOnly, byteSize, dateTime, useFieldText } from "../admin/common";
import { ConfirmDialog } from "../ConfirmDialog";
import type { StaffMessage } from "../messages";
import { ProblemNotice, StatusNotice } from "../ProblemNotice";
import { useSession, type Session } from "../session";
import { readAllPages } from "../../lib/paging";
import {
  CLOSE_RETRIES,
  CLOSE_RETRY_MS,
  CONFIRMATION_PHRASE,
  EXPORT_URL,
  POLL_INTERVAL_MS,
  deletionProgress,
  exportFileName,
  knownService,
  needsNewDownload,
  openSheltersFromProblem,
  openSheltersOf,
  passesByItself,
  phraseMatches,
  shouldPoll,
  type DisasterStatus,
  type ServiceDeletion,
} from "./disaster";
import { saveBlob } from "../download";

export function DisasterPage() {
  const { t } = useStaffText();
  return (
    <AdminOnly title={t("staff.nav.disaster")}>
      <Disaster />
    </AdminOnly>
  );
}

async function readShelters(session: Session): Promise<ShelterPublic[] | StaffMessage> {
  const outcome = await readAllPages((offset, limit) =>
    session.call(session.clients.registration.GET("/shelters", { params: { query: { limit, offset } } })),
  );
  return outcome.ok ? outcome.data : outcome.message;
}

function Disaster() {
  const { t } = useStaffText();
  const session = useSession();
  const [status, setStatus] = useState<DisasterStatus | null>(null);
  const [statusFailure, setStatusFailure] = useState<StaffMessage | undefined>(undefined);
  const [downloaded, setDownloaded] = useState<string | undefined>(undefined);
  const [closedNow, setClosedNow] = useState(false);
  const [shelters, setShelters] = useState<ShelterPublic[] | undefined>(undefined);
  const [openIds, setOpenIds] = useState<string[] | undefined>(undefined);
  const [shelterFailure, setShelterFailure] = useState<StaffMessage | undefined>(undefined);

  const checkShelters = async () => {
    const read = await readShelters(session);
    if (Array.isArray(read)) {
      setShelters(read);
      setOpenIds(openSheltersOf(read));
      setShelterFailure(undefined);
    } else setShelterFailure(read);
  };

  const readStatus = async () => {
    const outcome = await session.call(session.clients.registration.GET("/disaster/status"));
    if (outcome.ok) {
      setStatus(outcome.data);
      setStatusFailure(undefined);
    } else setStatusFailure(outcome.message);
  };

  useEffect(() => {
    void readStatus();
    void checkShelters();
  }, []);

  // Until every service confirmed its deletion, read the status again every few seconds.
  useEffect(() => {
    if (!shouldPoll(status)) return;
    const timer = window.setTimeout(() => void readStatus(), POLL_INTERVAL_MS);
    return () => window.clearTimeout(timer);
  }, [status]);

  return (
    <>
      <FocusHeading>{t("staff.nav.disaster")}</FocusHeading>
      <p class="lead">{t("disaster.lead")}</p>
      <div class="notice notice-info">
        <Icon name="alert" />
        <div class="notice-body">
          <p>
            <strong>{t("disaster.irreversible")}</strong>
          </p>
        </div>
      </div>
      {closedNow ? null : (
        <>
          <DownloadStep downloaded={downloaded} onDownloaded={setDownloaded}>
            {shelterFailure !== undefined && <ProblemNotice message={shelterFailure} />}
            <OpenShelters openIds={openIds} shelters={shelters} onRecheck={() => void checkShelters()} />
          </DownloadStep>
          <CloseStep
            enabled={downloaded !== undefined}
            onClosed={() => {
              setClosedNow(true);
              void readStatus();
            }}
            onRefused={(message) => {
              const stillOpen = openSheltersFromProblem(message);
              if (stillOpen !== undefined) setOpenIds(stillOpen);
              if (needsNewDownload(message)) setDownloaded(undefined);
            }}
          />
        </>
      )}
      <StatusStep status={status} failure={statusFailure} />
    </>
  );
}

function DownloadStep({
  downloaded,
  onDownloaded,
  children,
}: {
  downloaded: string | undefined;
  onDownloaded: (news: string) => void;
  children: ComponentChildren;
}) {
  const { t } = useStaffText();
  const session = useSession();
  const [progress, setProgress] = useState<{ received: number; total: number | undefined } | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);

  const download = async () => {
    setFailure(undefined);
    setProgress({ received: 0, total: undefined });
    const outcome = await session.download(EXPORT_URL, (received, total) => setProgress({ received, total }));
    setProgress(undefined);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    const name = exportFileName();
    saveBlob(outcome.data, name);
    onDownloaded(t("disaster.downloaded", { file: name, size: byteSize(outcome.data.size) }));
  };

  return (
    <section aria-labelledby="disaster-step1" class="disaster-step" data-testid="disaster-step1">
      <h2 id="disaster-step1">{t("disaster.step1")}</h2>
      <p>{t("disaster.step1.lead")}</p>
      {children}
      {failure !== undefined && <ProblemNotice message={failure} />}
      {downloaded !== undefined && <StatusNotice>{downloaded}</StatusNotice>}
      <p class="admin-inline">
        <button type="button" class="button button-primary" onClick={() => void download()} disabled={progress !== undefined}>
          {t("disaster.download")}
        </button>
      </p>
      {progress !== undefined && (
        <div class="progress-block" role="status" data-testid="disaster-progress">
          <label for="disaster-progress-bar">{t("disaster.downloading", { received: byteSize(progress.received) })}</label>
          <progress
            id="disaster-progress-bar"
            max={progress.total ?? 100}
            value={progress.total === undefined ? undefined : progress.received}
            aria-label={t("disaster.progress")}
          />
        </div>
      )}
    </section>
  );
}

function OpenShelters({
  openIds,
  shelters,
  onRecheck,
}: {
  openIds: readonly string[] | undefined;
  shelters: readonly ShelterPublic[] | undefined;
  onRecheck: () => void;
}) {
  const { t } = useStaffText();
  if (openIds === undefined) return null;
  if (openIds.length === 0) return <p data-testid="disaster-no-open">{t("disaster.noOpenShelters")}</p>;
  const nameOf = (id: string) => shelters?.find((shelter) => shelter.shelter_id === id)?.name;
  return (
    <div class="notice notice-error" data-testid="disaster-open-shelters">
      <Icon name="alert" />
      <div class="notice-body">
        <p>{t("disaster.openShelters", { count: openIds.length })}</p>
        <ul>
          {openIds.map((id) => {
            const name = nameOf(id);
            return <li key={id}>{name === undefined ? id : `${name} (${id})`}</li>;
          })}
        </ul>
        <p class="card-actions">
          <Link href={STAFF_PATHS.shelters} class="button button-secondary button-inline">
            {t("disaster.toShelters")}
          </Link>
          <button type="button" class="button button-secondary button-inline" onClick={onRecheck}>
            {t("disaster.recheck")}
          </button>
        </p>
      </div>
    </div>
  );
}

function CloseStep({
  enabled,
  onClosed,
  onRefused,
}: {
  enabled: boolean;
  onClosed: () => void;
  onRefused: (message: StaffMessage) => void;
}) {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    if (!enabled) return;
    if (!phraseMatches(typed)) {
      setError(t("disaster.phraseMismatch", { phrase: CONFIRMATION_PHRASE }));
      return;
    }
    setError(undefined);
    setAsking(true);
  };

  const close = async () => {
    setBusy(true);
    setFailure(undefined);
    const request = () => session.call(session.clients.registration.POST("/disaster/close", { body: { confirmation: typed.trim() } }));
    let outcome = await request();
    for (let attempt = 0; !outcome.ok && passesByItself(outcome.message) && attempt < CLOSE_RETRIES; attempt += 1) {
      await new Promise((resolve) => window.setTimeout(resolve, CLOSE_RETRY_MS));
      outcome = await request();
    }
    setBusy(false);
    setAsking(false);
    if (outcome.ok) {
      onClosed();
      return;
    }
    setFailure(outcome.message);
    onRefused(outcome.message);
  };

  return (
    <section aria-labelledby="disaster-step2" class="disaster-step" data-testid="disaster-step2">
      <h2 id="disaster-step2">{t("disaster.step2")}</h2>
      {failure !== undefined && (
        <ProblemNotice message={failure}>
          {needsNewDownload(failure) && (
            <p>
              <a href="#disaster-step1">{t("disaster.toStep1")}</a>
            </p>
          )}
        </ProblemNotice>
      )}
      {!enabled && (
        <p class="field-hint" data-testid="disaster-locked">
          {t("disaster.step2.locked")}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <fieldset class="disaster-fieldset" disabled={!enabled}>
          <legend class="visually-hidden">{t("disaster.step2")}</legend>
          <TextField
            id="disaster-phrase"
            label={t("disaster.phraseLabel", { phrase: CONFIRMATION_PHRASE })}
            hint={t("disaster.phraseHint", { phrase: CONFIRMATION_PHRASE })}
            value={typed}
            onValue={setTyped}
            required
            text={text}
            error={error}
            autoComplete="off"
            maxLength={40}
          />
          <button type="submit" class="button button-danger">
            {t("disaster.close")}
          </button>
        </fieldset>
      </form>
      {asking && (
        <ConfirmDialog question={t("disaster.confirm")} danger busy={busy} onConfirm={() => void close()} onCancel={() => setAsking(false)}>
          {busy && <p role="status">{t("disaster.closing")}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

function StatusStep({ status, failure }: { status: DisasterStatus | null; failure: StaffMessage | undefined }) {
  const { t, lang } = useStaffText();
  const closure = status?.closure ?? null;
  const progress = status === null ? undefined : deletionProgress(status);
  let summary = "";
  if (status !== null && closure !== null && progress !== undefined) {
    summary = status.complete
      ? t("disaster.complete")
      : `${t("disaster.progressSummary", { done: progress.done, all: progress.all })} ${t("disaster.waiting")}`;
  }
  return (
    <section aria-labelledby="disaster-step3" class="disaster-step" data-testid="disaster-step3">
      <h2 id="disaster-step3">{t("disaster.step3")}</h2>
      {failure !== undefined && <ProblemNotice message={failure} />}
      {status === null ? (
        failure === undefined && <p role="status">{t("staff.loading")}</p>
      ) : closure === null ? (
        <p data-testid="disaster-not-closed">{t("disaster.notClosed")}</p>
      ) : (
        <p data-testid="disaster-closed-at" data-closure-id={closure.closure_id}>{t("disaster.closedAt", { at: dateTime(closure.closed_at, lang), user: closure.closed_by })}</p>
      )}
      {/* Always in the page, so each change of the summary is announced. */}
      <div role="status" aria-live="polite" data-testid="disaster-summary" class={status?.complete === true ? "notice notice-success" : undefined}>
        {summary !== "" && (
          <>
            {status?.complete === true && <Icon name="check" />}
            <div class="notice-body">
              <p class="disaster-summary">{summary}</p>
            </div>
          </>
        )}
      </div>
      {status !== null && closure !== null && (
        <ul class="disaster-services" data-testid="disaster-services">
          {status.services.map((service) => (
            <ServiceRow key={service.service} service={service} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ServiceRow({ service }: { service: ServiceDeletion }) {
  const { t } = useStaffText();
  const known = knownService(service.service);
  const name = known === undefined ? service.service : t(`disaster.serviceName.${known}`);
  return (
    <li class={`disaster-service disaster-${service.deletion}`} data-service={service.service} data-deletion={service.deletion}>
      <span class="disaster-service-name">{name}</span>
      <span class="disaster-service-state">
        <Icon name={service.deletion === "confirmed" ? "check" : "info"} />
        <span>{t(`disaster.state.${service.deletion}`)}</span>
        {service.deletion === "confirmed" && (
          <span class="disaster-service-count">{t("disaster.deletedCount", { count: service.documents_deleted })}</span>
        )}
      </span>
    </li>
  );
}
