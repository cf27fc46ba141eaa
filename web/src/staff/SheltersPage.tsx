/**
 * Shelter list (S10.3, S13): each shelter with its live figures (present, households,
 * capacity, occupancy, crowding, checked out) from the stats service's event stream, open and
 * close with a confirmation, training mode, and print-ready QR pages (one per shelter, one
 * sheet for all: registration's qr.html pages, opened in a new tab with the session cookie).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ShelterPublic, ShelterStatistics } from "../api/clients";
import { Link } from "../app/navigation";
import { STAFF_PATHS, rosterPath } from "../app/routes";
import { FocusHeading } from "../components/FocusHeading";
import { Icon } from "../components/Icon";
import { AgeBandChart, ShelterHistory } from "../components/visual";
import { useStaffText } from "../i18n/context";
import { readAllPages } from "../lib/paging";
import type { StaffKey } from "../i18n/staff";
import { ConfirmDialog } from "./ConfirmDialog";
import { useLiveStatistics, withLiveState } from "./liveStats";
import type { StaffMessage } from "./messages";
import { ProblemNotice, StatusNotice } from "./ProblemNotice";
import { useSession, type Session } from "./session";

type Action = "open" | "close" | "trainingOn" | "trainingOff";

const QUESTIONS: Readonly<Record<Action, StaffKey>> = {
  open: "staff.shelters.confirmOpen",
  close: "staff.shelters.confirmClose",
  trainingOn: "staff.shelters.confirmTrainingOn",
  trainingOff: "staff.shelters.confirmTrainingOff",
};
const DONE: Readonly<Record<Action, StaffKey>> = {
  open: "staff.shelters.opened",
  close: "staff.shelters.closedDone",
  trainingOn: "staff.shelters.trainingDone",
  trainingOff: "staff.shelters.trainingDone",
};

export function qrPagePath(shelterId: string): string {
  return `/api/registration/shelters/${encodeURIComponent(shelterId)}/qr.html`;
}
export const QR_SHEET_PATH = "/api/registration/shelters/qr.html";

/** Occupancy as a whole percentage, from the stats service's rate (0.42 -> 42). */
export function percent(rate: number | null | undefined): number | undefined {
  return rate === null || rate === undefined ? undefined : Math.round(rate * 100);
}

/** The shelter list's filter: part of the name or the id, ignoring case and spaces. */
export function matchesShelter(shelter: Pick<ShelterPublic, "name" | "shelter_id">, query: string): boolean {
  const wanted = query.normalize("NFKC").replace(/\s+/g, "").toLowerCase();
  if (wanted === "") return true;
  return [shelter.name, shelter.shelter_id].some((text) => text.normalize("NFKC").replace(/\s+/g, "").toLowerCase().includes(wanted));
}

function readShelters(session: Session): Promise<{ readonly ok: true; readonly data: ShelterPublic[] } | { readonly ok: false; readonly message: StaffMessage }> {
  return readAllPages((offset, limit) => session.call(session.clients.registration.GET("/shelters", { params: { query: { limit, offset } } })));
}

async function run(session: Session, action: Action, shelterId: string) {
  const path = { params: { path: { shelter_id: shelterId } } };
  switch (action) {
    case "open":
      return session.call(session.clients.registration.POST("/shelters/{shelter_id}/open", path));
    case "close":
      return session.call(session.clients.registration.POST("/shelters/{shelter_id}/close", path));
    case "trainingOn":
    case "trainingOff":
      return session.call(
        session.clients.registration.PUT("/shelters/{shelter_id}/training", { ...path, body: { training: action === "trainingOn" } }),
      );
  }
}

export function SheltersPage() {
  const { t } = useStaffText();
  const session = useSession();
  const live = useLiveStatistics(session);
  // Per shelter, the statistics seen when this page itself changed it (see withLiveState).
  const confirmedAgainst = useRef(new Map<string, ShelterStatistics | undefined>());
  const [shelters, setShelters] = useState<ShelterPublic[] | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const [pending, setPending] = useState<{ action: Action; shelter: ShelterPublic } | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [query, setQuery] = useState("");

  useEffect(() => {
    void readShelters(session).then((outcome) => {
      if (outcome.ok) setShelters(outcome.data);
      else setFailure(outcome.message);
    });
  }, []);

  const confirm = async () => {
    if (pending === null) return;
    setBusy(true);
    const outcome = await run(session, pending.action, pending.shelter.shelter_id);
    setBusy(false);
    const { action, shelter } = pending;
    setPending(null);
    if (outcome.ok) {
      setFailure(null);
      confirmedAgainst.current.set(shelter.shelter_id, live.byId.get(shelter.shelter_id));
      setShelters((current) => current?.map((s) => (s.shelter_id === shelter.shelter_id ? outcome.data : s)) ?? null);
      setDone(t(DONE[action], { name: shelter.name }));
    } else {
      setDone(null);
      setFailure(outcome.message);
    }
  };

  const mine =
    shelters === null || session.seesAllShelters
      ? shelters
      : shelters.filter((shelter) => session.principal?.shelters.includes(shelter.shelter_id) === true);
  const visible = mine === null ? null : mine.filter((shelter) => matchesShelter(shelter, query));

  return (
    <>
      <FocusHeading>{t("staff.nav.shelters")}</FocusHeading>
      <p class="lead">{t("staff.shelters.lead")}</p>
      <p class={live.live ? "live-state live-on" : "live-state live-off"} role="status">
        {/* Nothing said until the stream first connected (live starts false). */}
        {live.loaded && <span class="live-dot" aria-hidden="true" />}
        {live.loaded && (live.live ? t("staff.shelters.live") : t("staff.shelters.reconnecting"))}
      </p>
      {failure !== null && <ProblemNotice message={failure} />}
      {done !== null && <StatusNotice>{done}</StatusNotice>}
      {session.seesAllShelters && (
        <p>
          <a class="button button-secondary button-inline" href={QR_SHEET_PATH} target="_blank" rel="noopener">
            <Icon name="info" />
            <span>{t("staff.shelters.qrAll")}</span>
            <span class="visually-hidden">{t("staff.shelters.newTab")}</span>
          </a>
          {session.isAdministrator && (
            <>
              {" "}
              <Link href={STAFF_PATHS.disaster} class="button button-secondary button-inline" data-testid="to-disaster">
                {t("staff.nav.disaster")}
              </Link>
            </>
          )}
        </p>
      )}
      {mine !== null && mine.length > 5 && (
        <div class="field shelter-filter">
          <label for="shelter-filter" class="field-label">
            {t("staff.shelters.filter")}
          </label>
          <input id="shelter-filter" type="search" value={query} onInput={(event) => setQuery(event.currentTarget.value)} maxLength={100} />
        </div>
      )}
      {visible === null ? (
        failure === null && <p role="status">{t("staff.loading")}</p>
      ) : visible.length === 0 ? (
        <p>{t("staff.shelters.empty")}</p>
      ) : (
        <ul class="shelter-cards">
          {visible.map((shelter) => (
            <ShelterCard
              key={shelter.shelter_id}
              shelter={withLiveState(shelter, live.byId.get(shelter.shelter_id), confirmedAgainst.current.get(shelter.shelter_id))}
              statistics={live.byId.get(shelter.shelter_id)}
              mayChange={session.mayChange(shelter.shelter_id)}
              onAction={(action) => {
                setDone(null);
                setPending({ action, shelter });
              }}
            />
          ))}
        </ul>
      )}
      {pending !== null && (
        <ConfirmDialog
          question={t(QUESTIONS[pending.action], { name: pending.shelter.name })}
          danger={pending.action === "close"}
          busy={busy}
          onConfirm={() => void confirm()}
          onCancel={() => setPending(null)}
        />
      )}
    </>
  );
}

function ShelterCard({
  shelter,
  statistics,
  mayChange,
  onAction,
}: {
  shelter: ShelterPublic;
  statistics: ShelterStatistics | undefined;
  mayChange: boolean;
  onAction: (action: Action) => void;
}) {
  const { t, lang } = useStaffText();
  const [showHistory, setShowHistory] = useState(false);
  const headingId = `shelter-${shelter.shelter_id}`;
  const rate = percent(statistics?.occupancy_rate);
  const none = t("staff.shelters.none");
  const level = statistics?.crowding_level;
  return (
    <li class="shelter-card" data-shelter-id={shelter.shelter_id}>
      <h2 id={headingId} class="shelter-card-name" lang="ja">
        {shelter.name}
      </h2>
      <p class="shelter-card-state">
        <span class={shelter.is_open ? "tag tag-open" : "tag tag-closed"}>
          {shelter.is_open ? t("staff.shelters.open") : t("staff.shelters.closed")}
        </span>
        {shelter.training && <span class="tag tag-training">{t("staff.shelters.training")}</span>}
        <span class="muted shelter-card-id">{shelter.shelter_id}</span>
      </p>
      <p class="shelter-card-address">
        <span class="tag tag-type">{t(`staff.shelters.type.${shelter.shelter_type}`)}</span> {shelter.address}
      </p>
      <dl class="figures figures-compact">
        <div class="figure" data-figure="present">
          <dt>{t("staff.shelters.present")}</dt>
          <dd>{statistics === undefined ? none : t("staff.shelters.people", { count: statistics.present })}</dd>
        </div>
        <div class="figure" data-figure="households">
          <dt>{t("staff.shelters.households")}</dt>
          <dd>{statistics === undefined ? none : statistics.households}</dd>
        </div>
        <div class="figure">
          <dt>{t("staff.shelters.capacity")}</dt>
          <dd>{t("staff.shelters.people", { count: shelter.capacity })}</dd>
        </div>
        <div class="figure">
          <dt>{t("staff.shelters.occupancy")}</dt>
          <dd>
            {rate === undefined ? none : t("staff.shelters.percent", { rate })}
            {rate !== undefined && <meter class="occupancy-meter" min={0} max={100} value={Math.min(rate, 100)} aria-hidden="true" />}
          </dd>
        </div>
        <div class="figure">
          <dt>{t("staff.shelters.crowding")}</dt>
          <dd>{level === undefined || level === null ? none : <span class={`crowding crowding-${level}`}>{t(`staff.shelters.crowding.${level}`)}</span>}</dd>
        </div>
        <div class="figure" data-figure="checked-out">
          <dt>{t("staff.shelters.checkedOut")}</dt>
          <dd>{statistics === undefined ? none : t("staff.shelters.people", { count: statistics.checked_out })}</dd>
        </div>
      </dl>
      <details class="shelter-history" onToggle={(event) => setShowHistory(event.currentTarget.open)}>
        <summary>{t("staff.shelters.history")}</summary>
        {showHistory && (
          <>
            <ShelterHistory shelterId={shelter.shelter_id} capacity={shelter.capacity} lang={lang} idPrefix={`${headingId}-history`} />
            {statistics !== undefined && statistics.present > 0 && (
              <AgeBandChart ageBands={statistics.age_bands} lang={lang} idPrefix={`${headingId}-ages`} heading />
            )}
          </>
        )}
      </details>
      <div class="card-actions">
        <Link href={rosterPath(shelter.shelter_id)} class="button button-secondary">
          {t("staff.shelters.roster")}
          <span class="visually-hidden">: <span lang="ja">{shelter.name}</span></span>
        </Link>
        <a class="button button-secondary" href={qrPagePath(shelter.shelter_id)} target="_blank" rel="noopener">
          {t("staff.shelters.qr")}
          <span class="visually-hidden">
            : <span lang="ja">{shelter.name}</span> {t("staff.shelters.newTab")}
          </span>
        </a>
        {mayChange && (
          <>
            <button type="button" class={shelter.is_open ? "button button-danger" : "button button-primary"} onClick={() => onAction(shelter.is_open ? "close" : "open")}>
              {shelter.is_open ? t("staff.shelters.closeAction") : t("staff.shelters.openAction")}
              <span class="visually-hidden">: <span lang="ja">{shelter.name}</span></span>
            </button>
            <button type="button" class="button button-secondary" onClick={() => onAction(shelter.training ? "trainingOff" : "trainingOn")}>
              {shelter.training ? t("staff.shelters.trainingOff") : t("staff.shelters.trainingOn")}
              <span class="visually-hidden">: <span lang="ja">{shelter.name}</span></span>
            </button>
          </>
        )}
      </div>
    </li>
  );
}

