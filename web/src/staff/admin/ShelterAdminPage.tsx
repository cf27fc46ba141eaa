/**
 * /staff/shelter-admin (S10.3, S10.6, S14): the administrator registers shelters one by one or
 * imports the municipality's open-data CSV (progress while it uploads and while the server
 * works, then the per-row report), edits and deletes them, and sees each one's statistics as
 * pictures (map by crowding, age bands, occupancy over time) with their tables.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { RegistrationSchema, StatsSchema } from "../../api/clients";
import { failureOf } from "../../api/problem";
import { FocusHeading } from "../../components/FocusHeading";
import { TextField } from "../../components/fields";
import { SLOT, Slotted } from "../../components/Slot";
import { TransferProgress } from "../../components/TransferProgress";
import { AgeBandChart, ShelterHistory, ShelterMap, configuredTiles, type MapShelter } from "../../components/visual";
import { ScrollRegion } from "../../components/visual/ScrollRegion";
import { useStaffText } from "../../i18n/context";
import { readAllPages } from "../../lib/paging";
import { ConfirmDialog } from "../ConfirmDialog";
import { staffMessage, type StaffMessage } from "../messages";
import { ProblemNotice, StatusNotice } from "../ProblemNotice";
import { useSession } from "../session";
import { useEditorFocus } from "../useEditorFocus";
import { AdminOnly, useFieldText } from "./common";
import { percentOf, upload, type UploadPhase } from "./upload";

type Shelter = RegistrationSchema["ShelterPublic"];
type ImportReport = RegistrationSchema["ImportReportPublic"];
type Statistics = StatsSchema["ShelterStatisticsPublic"];
type ShelterType = RegistrationSchema["ShelterType"];
const SHELTER_TYPES: readonly ShelterType[] = ["designated", "emergency", "other"];

export function ShelterAdminPage() {
  const { t } = useStaffText();
  return (
    <AdminOnly title={t("staff.nav.shelterAdmin")}>
      <ShelterAdmin />
    </AdminOnly>
  );
}

function ShelterAdmin() {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [shelters, setShelters] = useState<readonly Shelter[] | undefined>(undefined);
  const [statistics, setStatistics] = useState<ReadonlyMap<string, Statistics>>(new Map());
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [news, setNews] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<Shelter | undefined>(undefined);
  const [deleting, setDeleting] = useState<Shelter | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const [listed, stats] = await Promise.all([
      readAllPages((offset, limit) => session.call(session.clients.registration.GET("/shelters", { params: { query: { limit, offset } } }))),
      readAllPages((offset, limit) => session.call(session.clients.stats.GET("/shelters", { params: { query: { limit, offset } } }))),
    ]);
    if (listed.ok) setShelters(listed.data);
    else setFailure(listed.message);
    if (stats.ok) setStatistics(new Map(stats.data.map((item) => [item.shelter_id, item])));
  }, [session]);
  useEffect(() => void load(), [load]);

  /** The list is reloaded first, so the success line appears together with the changed list. */
  const done = async (message: string) => {
    await load();
    setFailure(undefined);
    setNews(message);
  };

  const remove = async () => {
    if (deleting === undefined) return;
    setBusy(true);
    const outcome = await session.call(session.clients.registration.DELETE("/shelters/{shelter_id}", { params: { path: { shelter_id: deleting.shelter_id } } }));
    setBusy(false);
    const name = deleting.name;
    setDeleting(undefined);
    if (outcome.ok) await done(t("admin.shelters.deleted", { name }));
    else setFailure(outcome.message);
  };

  const tiles = configuredTiles();
  const mapShelters: MapShelter[] = (shelters ?? []).map((shelter) => {
    const stats = statistics.get(shelter.shelter_id);
    return {
      id: shelter.shelter_id,
      name: shelter.name,
      latitude: shelter.latitude,
      longitude: shelter.longitude,
      crowdingLevel: stats?.crowding_level ?? null,
      present: stats?.present ?? 0,
      capacity: shelter.capacity,
      occupancyRate: stats?.occupancy_rate ?? null,
    };
  });

  return (
    <>
      <FocusHeading>{t("staff.nav.shelterAdmin")}</FocusHeading>
      <p class="lead">{t("admin.shelters.lead")}</p>
      {failure !== undefined && <ProblemNotice message={failure} />}
      {news !== undefined && failure === undefined && <StatusNotice>{news}</StatusNotice>}
      <ImportSection onImported={() => void load()} />
      <ShelterForm key="new" onDone={(shelter) => void done(t("admin.shelters.created", { name: shelter.name }))} />
      {editing !== undefined && (
        <ShelterForm
          key={editing.shelter_id}
          shelter={editing}
          onDone={(shelter) => {
            setEditing(undefined);
            void done(t("admin.shelters.updated", { name: shelter.name }));
          }}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <section class="admin-section" aria-labelledby="admin-shelter-list">
        <h2 id="admin-shelter-list">{t("admin.shelters.list")}</h2>
        {shelters === undefined ? (
          failure === undefined && <p role="status">{t("staff.loading")}</p>
        ) : (
          <>
            <ShelterMap shelters={mapShelters} lang={lang} tileTemplate={tiles.template} attribution={tiles.attribution} idPrefix="admin-map" />
            <ul class="shelter-details-list" data-testid="admin-shelters">
              {shelters.map((shelter, index) => {
                const stats = statistics.get(shelter.shelter_id);
                return (
                  <li key={shelter.shelter_id} data-shelter={shelter.shelter_id}>
                    <LazyDetails
                      summary={
                        <>
                          {`${index + 1}. `}
                          <Slotted text={t("staff.nameWithId", { name: SLOT, id: shelter.shelter_id })}>
                            <span lang="ja">{shelter.name}</span>
                          </Slotted>
                        </>
                      }
                      action={t("admin.shelters.details")}>
                      {() => (
                        <>
                          {stats !== undefined && <AgeBandChart ageBands={stats.age_bands} lang={lang} idPrefix={`admin-${index}`} />}
                          <ShelterHistory shelterId={shelter.shelter_id} capacity={shelter.capacity} lang={lang} idPrefix={`admin-${index}`} />
                        </>
                      )}
                    </LazyDetails>
                    <div class="admin-table-actions">
                      {/* The shelter's name for screen readers in its own language (not one mixed aria-label). */}
                      <button type="button" class="button button-secondary" onClick={() => setEditing(shelter)}>
                        {t("admin.edit")}
                        <span class="visually-hidden">
                          {": "}
                          <span lang="ja">{shelter.name}</span>
                        </span>
                      </button>
                      <button type="button" class="button button-danger" onClick={() => setDeleting(shelter)}>
                        {t("admin.delete")}
                        <span class="visually-hidden">
                          {": "}
                          <span lang="ja">{shelter.name}</span>
                        </span>
                      </button>
                    </div>
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </section>
      {deleting !== undefined && (
        <ConfirmDialog
          question={t("admin.shelters.confirmDelete", { name: deleting.name })}
          danger
          busy={busy}
          onConfirm={() => void remove()}
          onCancel={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

function ImportSection({ onImported }: { onImported: () => void }) {
  const { t, lang } = useStaffText();
  const session = useSession();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [phase, setPhase] = useState<UploadPhase | undefined>(undefined);
  const [report, setReport] = useState<ImportReport | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const [onlyRefused, setOnlyRefused] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === undefined) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setFailure(undefined);
    setReport(undefined);
    try {
      const answer = await upload("/api/registration/shelters/import", file, "text/csv", setPhase, () => session.refresh(), () => session.expired());
      if (answer.status >= 200 && answer.status < 300) {
        setReport(answer.body as ImportReport);
        onImported();
      } else setFailure(staffMessage(failureOf(answer.body, answer.status)));
    } catch {
      setFailure(staffMessage({ kind: "network" }));
    } finally {
      setPhase(undefined);
    }
  };

  const percent = phase === undefined ? undefined : percentOf(phase);
  const rows = report === undefined ? [] : report.rows.filter((row) => !onlyRefused || row.status === "refused");
  return (
    <section class="admin-section" aria-labelledby="import-heading">
      <h2 id="import-heading">{t("admin.shelters.import")}</h2>
      <p id="import-hint" class="field-hint">
        {t("admin.shelters.importHint")}
      </p>
      {failure !== undefined && <ProblemNotice message={failure} />}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div class={missing ? "field field-invalid" : "field"}>
          <label for="import-file" class="field-label">
            <span>{t("admin.shelters.file")}</span>
          </label>
          {missing && (
            <p id="import-file-error" class="field-error" role="alert">
              {t("admin.shelters.noFile")}
            </p>
          )}
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={missing ? "import-file-error import-hint" : "import-hint"}
            aria-invalid={missing ? "true" : undefined}
            onChange={(event) => setFile(event.currentTarget.files?.[0])}
          />
        </div>
        <div class="admin-inline">
          <button type="submit" class="button button-primary" disabled={phase !== undefined}>
            {t("admin.shelters.importButton")}
          </button>
        </div>
      </form>
      {phase !== undefined && (
        <TransferProgress
          id="import-progress-bar"
          testId="import-progress"
          label={t("admin.shelters.progress")}
          line={percent === undefined ? t("admin.shelters.processing") : t("admin.shelters.uploading", { percent })}
          done={percent ?? 0}
          total={percent === undefined ? undefined : 100}
          announce={(step, stepPercent) =>
            percent === undefined
              ? t("admin.shelters.processing")
              : step === 0
                ? t("staff.progress.start", { what: t("admin.shelters.progress") })
                : t("staff.progress.step", { what: t("admin.shelters.progress"), percent: stepPercent ?? 0 })
          }
        />
      )}
      {report !== undefined && (
        <div data-testid="import-report">
          <h3>{t("admin.shelters.report")}</h3>
          <p role="status">
            {t("admin.shelters.reportSummary", {
              accepted: report.accepted,
              updated: report.updated,
              unchanged: report.unchanged,
              refused: report.refused,
              dataset: report.dataset,
              encoding: report.encoding,
            })}
          </p>
          {report.unknown_headers.length > 0 && <p>{t("admin.shelters.unknownHeaders", { headers: report.unknown_headers.join(", ") })}</p>}
          <div class="choices">
            <label class="choice">
              <input type="checkbox" checked={onlyRefused} onChange={(event) => setOnlyRefused(event.currentTarget.checked)} />
              <span>{t("admin.shelters.onlyRefused")}</span>
            </label>
          </div>
          <ScrollRegion labelledBy="import-report-caption">
            <table class="data-table">
              <caption id="import-report-caption">{t("admin.shelters.report")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.shelters.row")}</th>
                  <th scope="col">{t("admin.shelters.id")}</th>
                  <th scope="col">{t("admin.shelters.rowStatus")}</th>
                  <th scope="col">{t("admin.shelters.reason")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.row} data-testid="import-row" data-status={row.status}>
                    <th scope="row">{row.row}</th>
                    <td>{row.shelter_id ?? ""}</td>
                    <td>{statusWord(row.status, t)}</td>
                    <td>{(lang === "ja" ? (row.reason_ja ?? row.reason) : (row.reason ?? row.reason_ja)) ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </div>
      )}
    </section>
  );
}

function statusWord(status: string, t: ReturnType<typeof useStaffText>["t"]): string {
  switch (status) {
    case "accepted":
    case "updated":
    case "unchanged":
    case "refused":
      return t(`admin.shelters.status.${status}`);
    default:
      return status;
  }
}

/**
 * A <details> whose body is only rendered while it is open: a closed list of shelters must not
 * load every shelter's history at once (nor announce "loading" for each).
 */
function LazyDetails({ summary, action, children }: { summary: ComponentChildren; action: string; children: () => ComponentChildren }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="shelter-details" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        {summary}
        <span class="summary-action">{action}</span>
      </summary>
      {open && <div class="shelter-details-body">{children()}</div>}
    </details>
  );
}

/** Numbers typed by a person: "" -> undefined, else the number (NaN is left to the server to refuse). */
function numberOrUndefined(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text.trim());
}

/**
 * A latitude or longitude typed by a person: full-width digits and minus signs are read, "" is
 * "not given", anything else that is not a number within ±`limit` is `null` (a field error: sent
 * as JSON, NaN would become null and silently clear the position).
 */
export function coordinateOf(text: string, limit: number): number | undefined | null {
  const normal = text.normalize("NFKC").replace(/[\u2212\u2010-\u2015\u30fc]/g, "-").trim();
  if (normal === "") return undefined;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(normal)) return null;
  const value = Number(normal);
  return Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

function ShelterForm({ shelter, onDone, onCancel }: { shelter?: Shelter; onDone: (shelter: Shelter) => void; onCancel?: () => void }) {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const editing = shelter !== undefined;
  const heading = useEditorFocus<HTMLHeadingElement>(editing);
  const prefix = editing ? "edit-shelter" : "new-shelter";
  const [shelterId, setShelterId] = useState("");
  const [name, setName] = useState(shelter?.name ?? "");
  const [capacity, setCapacity] = useState(shelter === undefined ? "" : String(shelter.capacity));
  const [address, setAddress] = useState(shelter?.address ?? "");
  const [shelterType, setShelterType] = useState<ShelterType>(shelter?.shelter_type ?? "designated");
  const [latitude, setLatitude] = useState(shelter?.latitude?.toString() ?? "");
  const [longitude, setLongitude] = useState(shelter?.longitude?.toString() ?? "");
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [coordinateErrors, setCoordinateErrors] = useState({ latitude: false, longitude: false });

  const submit = async (event: Event) => {
    event.preventDefault();
    const lat = coordinateOf(latitude, 90);
    const lon = coordinateOf(longitude, 180);
    setCoordinateErrors({ latitude: lat === null, longitude: lon === null });
    if (lat === null || lon === null) {
      document.getElementById(`${prefix}-${lat === null ? "lat" : "lon"}`)?.focus();
      return;
    }
    setBusy(true);
    const facts = {
      name: name.trim(),
      capacity: numberOrUndefined(capacity) ?? -1,
      address: address.trim(),
      shelter_type: shelterType,
      ...(lat === undefined ? {} : { latitude: lat }),
      ...(lon === undefined ? {} : { longitude: lon }),
    };
    const outcome = editing
      ? await session.call(
          session.clients.registration.PATCH("/shelters/{shelter_id}", {
            params: { path: { shelter_id: shelter.shelter_id } },
            body: { ...facts, version: shelter.version },
          }),
        )
      : await session.call(session.clients.registration.POST("/shelters", { body: { ...facts, shelter_id: shelterId.trim() } }));
    setBusy(false);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    setFailure(undefined);
    if (!editing) {
      for (const reset of [setShelterId, setName, setCapacity, setAddress, setLatitude, setLongitude]) reset("");
    }
    onDone(outcome.data);
  };

  const headingId = `${prefix}-heading`;
  return (
    <section class="admin-section admin-form" aria-labelledby={headingId} data-testid={prefix}>
      <h2 id={headingId} ref={heading} tabIndex={editing ? -1 : undefined}>
        {editing ? t("admin.shelters.editHeading", { name: shelter.name }) : t("admin.shelters.createHeading")}
      </h2>
      {failure !== undefined && <ProblemNotice message={failure} />}
      <form onSubmit={(event) => void submit(event)} noValidate>
        {!editing && (
          <TextField id={`${prefix}-id`} label={t("admin.shelters.id")} hint={t("admin.shelters.idHint")} value={shelterId} onValue={setShelterId} required text={text} autoComplete="off" />
        )}
        <TextField id={`${prefix}-name`} label={t("admin.shelters.name")} value={name} onValue={setName} required text={text} autoComplete="off" />
        <TextField id={`${prefix}-capacity`} label={t("admin.shelters.capacity")} value={capacity} onValue={setCapacity} required text={text} inputMode="numeric" autoComplete="off" />
        <TextField id={`${prefix}-address`} label={t("admin.shelters.address")} value={address} onValue={setAddress} required={false} text={text} autoComplete="off" />
        <div class="field">
          <label for={`${prefix}-type`} class="field-label">
            <span>{t("admin.shelters.type")}</span>
          </label>
          <select id={`${prefix}-type`} value={shelterType} onChange={(event) => setShelterType(event.currentTarget.value as ShelterType)}>
            {SHELTER_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`admin.shelters.type.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field-row">
          <TextField id={`${prefix}-lat`} label={t("admin.shelters.latitude")} value={latitude} onValue={setLatitude} required={false} text={text} inputMode="decimal" autoComplete="off" error={coordinateErrors.latitude ? t("admin.shelters.coordinateInvalid") : undefined} />
          <TextField id={`${prefix}-lon`} label={t("admin.shelters.longitude")} value={longitude} onValue={setLongitude} required={false} text={text} inputMode="decimal" autoComplete="off" error={coordinateErrors.longitude ? t("admin.shelters.coordinateInvalid") : undefined} />
        </div>
        <div class="admin-inline">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t("admin.saving") : editing ? t("admin.save") : t("admin.shelters.create")}
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
