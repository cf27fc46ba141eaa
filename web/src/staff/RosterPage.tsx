/**
 * Roster (S10.4, S11): one shelter's evacuees, filtered by name (kanji or kana, the service
 * folds both) and status, a page at a time; edit an entry with its history, forced check-out
 * with a confirmation, proxy registration (代理登録) and CSV export with progress.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { RosterEntry, RosterPage as RosterPageData, ShelterPublic } from "../api/clients";
import { navigate } from "../app/navigation";
import { rosterPath } from "../app/routes";
import { FocusHeading } from "../components/FocusHeading";
import { SLOT, Slotted } from "../components/Slot";
import { TransferProgress } from "../components/TransferProgress";
import { dateOfBirthLabel, dateTimeLabel } from "../i18n/format";
import { useStaffText } from "../i18n/context";
import { ConfirmDialog } from "./ConfirmDialog";
import { EntryEditor, EntryHistoryView } from "./EntryEditor";
import type { StaffMessage } from "./messages";
import { ProblemNotice, StatusNotice } from "./ProblemNotice";
import { ProxyCheckIn } from "./ProxyCheckIn";
import { csvPath, filterQuery, fullName, kanaName, keepingOpenEntry, NO_FILTER, PAGE_SIZE, pageRange, sizeLabel, withPendingCheckOuts, type PendingCheckOut, type RosterFilter } from "./roster";
import { useRosterFollow } from "./rosterLive";
import { useSession } from "./session";
import { saveBlob } from "./download";
import { readAllPages } from "../lib/paging";

export function RosterPage({ shelterId }: { shelterId?: string | undefined }) {
  const session = useSession();
  const [shelters, setShelters] = useState<ShelterPublic[] | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);

  useEffect(() => {
    void readAllPages((offset, limit) => session.call(session.clients.registration.GET("/shelters", { params: { query: { limit, offset } } }))).then((outcome) => {
      if (outcome.ok) {
        const items = outcome.data.filter((s) => session.seesAllShelters || session.principal?.shelters.includes(s.shelter_id) === true);
        setShelters(items);
        // Shelter staff with one shelter go straight to its roster.
        if (shelterId === undefined && items.length === 1 && items[0] !== undefined && !session.seesAllShelters) {
          navigate(rosterPath(items[0].shelter_id), { replace: true });
        }
      } else setFailure(outcome.message);
    });
  }, []);

  const shelter = shelters?.find((s) => s.shelter_id === shelterId);
  return (
    <>
      <ShelterPicker shelters={shelters} current={shelterId} failure={failure} />
      {shelterId !== undefined && <ShelterRoster key={shelterId} shelterId={shelterId} shelterName={shelter?.name ?? shelterId} />}
      {shelterId === undefined && session.seesAllShelters && <SearchAllShelters shelters={shelters} />}
    </>
  );
}

function ShelterPicker({ shelters, current, failure }: { shelters: ShelterPublic[] | null; current: string | undefined; failure: StaffMessage | null }) {
  const { t } = useStaffText();
  const [choice, setChoice] = useState(current ?? "");
  useEffect(() => {
    if (choice === "" && shelters !== null && shelters[0] !== undefined) setChoice(shelters[0].shelter_id);
  }, [shelters]);
  const name = shelters?.find((s) => s.shelter_id === current)?.name;
  return (
    <>
      <FocusHeading>{name === undefined ? t("staff.nav.roster") : `${t("staff.nav.roster")}: ${name}`}</FocusHeading>
      {current === undefined && <p class="lead">{t("staff.roster.lead")}</p>}
      {failure !== null && <ProblemNotice message={failure} />}
      {shelters !== null && shelters.length > 0 && (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (choice !== "") navigate(rosterPath(choice));
          }}
        >
          <div class="field">
            <label for="roster-shelter" class="field-label">
              {t("staff.roster.choose")}
            </label>
            <select id="roster-shelter" value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
              {shelters.map((s) => (
                <option key={s.shelter_id} value={s.shelter_id}>
                  {t("staff.nameWithId", { name: s.name, id: s.shelter_id })}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="button button-secondary button-inline">
            {t("staff.roster.show")}
          </button>
        </form>
      )}
      {shelters !== null && shelters.length === 0 && <p>{t("staff.shelters.empty")}</p>}
    </>
  );
}

type Panel = { kind: "edit" | "history"; stayId: string } | null;

function ShelterRoster({ shelterId, shelterName }: { shelterId: string; shelterName: string }) {
  const { t, lang } = useStaffText();
  const session = useSession();
  const mayChange = session.mayChange(shelterId);
  const [draft, setDraft] = useState<RosterFilter>(NO_FILTER);
  const [filter, setFilter] = useState<RosterFilter>(NO_FILTER);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RosterPageData | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [forcing, setForcing] = useState<RosterEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const [proxyOpen, setProxyOpen] = useState(false);
  const [reload, setReload] = useState(0);
  const [csv, setCsv] = useState<{ received: number; total: number | undefined } | null>(null);
  const [statusItems, setStatusItems] = useState<readonly string[]>([]);
  const proxyButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    void session.call(session.clients.registration.GET("/settings/status-items")).then((outcome) => {
      if (outcome.ok) setStatusItems(outcome.data.items);
    });
  }, []);

  // The open panel for the re-reads (an open editor's entry stays on the page, see keepingOpenEntry).
  const openPanel = useRef<Panel>(null);
  openPanel.current = panel;

  // Forced check-outs made here that the roster has not shown yet (see withPendingCheckOuts).
  const pendingOut = useRef(new Map<string, PendingCheckOut>());

  useEffect(() => {
    let cancelled = false;
    void session
      .call(
        session.clients.roster.GET("/shelters/{shelter_id}/entries", {
          params: { path: { shelter_id: shelterId }, query: { ...filterQuery(filter), limit: PAGE_SIZE, offset } },
        }),
      )
      .then((outcome) => {
        if (cancelled) return;
        if (outcome.ok) {
          const items = withPendingCheckOuts(outcome.data.items, pendingOut.current);
          const editing = openPanel.current?.kind === "edit" ? openPanel.current.stayId : undefined;
          setPage((current) => ({ ...outcome.data, items: keepingOpenEntry(items, current?.items, editing) }));
          setFailure(null);
        } else setFailure(outcome.message);
      });
    return () => {
      cancelled = true;
    };
  }, [filter, offset, reload]);

  // Check-ins and check-outs made elsewhere appear without a reload (same filter, same page).
  useRosterFollow(shelterId, () => setReload((n) => n + 1));

  /** The roster is a read model fed by events: read it again shortly after a change. */
  const refreshSoon = () => {
    setReload((n) => n + 1);
    window.setTimeout(() => setReload((n) => n + 1), 1500);
  };

  const forceOut = async () => {
    if (forcing === null) return;
    setBusy(true);
    const outcome = await session.call(
      session.clients.registration.POST("/shelters/{shelter_id}/stays/{stay_id}/forced-check-out", {
        params: { path: { shelter_id: shelterId, stay_id: forcing.stay_id } },
      }),
    );
    setBusy(false);
    const name = fullName(forcing);
    setForcing(null);
    if (outcome.ok) {
      setFailure(null);
      setNotice(t("staff.roster.forcedDone", { name }));
      // Shown at once, also over re-reads, until the roster confirms it when the event arrives.
      pendingOut.current.set(outcome.data.stay_id, { checked_out_at: outcome.data.checked_out_at, forced_check_out: true });
      // Its forced check-out button goes away: the focus goes to the person's card (after the
      // dialog has handed it back), not to the top of the page.
      const stayId = outcome.data.stay_id;
      window.setTimeout(() => {
        const card = [...document.querySelectorAll<HTMLElement>("[data-stay-id]")].find((element) => element.dataset["stayId"] === stayId);
        card?.querySelector<HTMLElement>(".entry-name")?.focus();
      }, 0);
      setPage((current) =>
        current === null
          ? current
          : {
              ...current,
              items: current.items.map((item) =>
                item.stay_id === outcome.data.stay_id ? { ...item, checked_out_at: outcome.data.checked_out_at, forced_check_out: true } : item,
              ),
            },
      );
      refreshSoon();
    } else {
      setNotice(null);
      setFailure(outcome.message);
    }
  };

  const exportCsv = async () => {
    setCsv({ received: 0, total: undefined });
    setNotice(null);
    const outcome = await session.download(csvPath(shelterId, filter), (received, total) => setCsv({ received, total }));
    setCsv(null);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    saveBlob(outcome.data, `roster-${shelterId}.csv`);
    setNotice(t("staff.roster.csvDone", { size: sizeLabel(outcome.data.size) }));
  };

  const range = page === null ? null : pageRange(page.offset, page.items.length, page.total);

  return (
    <section aria-labelledby="roster-heading" class="roster">
      <h2 id="roster-heading" class="visually-hidden">
        {shelterName}
      </h2>
      {!mayChange && <p class="muted">{t("staff.roster.readOnly")}</p>}
      <form
        class="filters"
        role="search"
        aria-label={t("staff.roster.filters")}
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setFilter(draft);
          // The same filter again reads the roster again (it is fed by events, so it may have grown).
          setReload((n) => n + 1);
        }}
      >
        <div class="field">
          <label for="roster-name" class="field-label">
            {t("staff.roster.name")}
          </label>
          <p id="roster-name-hint" class="field-hint">
            {t("staff.roster.nameHint")}
          </p>
          <input
            id="roster-name"
            type="search"
            value={draft.name}
            aria-describedby="roster-name-hint"
            maxLength={100}
            onInput={(event) => setDraft({ ...draft, name: event.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="roster-status" class="field-label">
            {t("staff.roster.status")}
          </label>
          <select
            id="roster-status"
            value={draft.status}
            onChange={(event) => setDraft({ ...draft, status: event.currentTarget.value as RosterFilter["status"] })}
          >
            <option value="present">{t("staff.roster.status.present")}</option>
            <option value="checked_out">{t("staff.roster.status.checked_out")}</option>
            <option value="all">{t("staff.roster.status.all")}</option>
          </select>
        </div>
        {statusItems.length > 0 && (
          <div class="field">
            <label for="roster-status-item" class="field-label">
              {t("staff.roster.statusItem")}
            </label>
            <select id="roster-status-item" value={draft.statusItem} onChange={(event) => setDraft({ ...draft, statusItem: event.currentTarget.value })}>
              <option value="">{t("staff.roster.statusItemAny")}</option>
              {statusItems.map((item) => (
                <option key={item} value={item}>
                  {item}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <label class="choice">
            <input type="checkbox" checked={draft.training} onChange={(event) => setDraft({ ...draft, training: event.currentTarget.checked })} />
            <span>{t("staff.roster.training")}</span>
          </label>
        </div>
        <button type="submit" class="button button-primary button-inline">
          {t("staff.roster.search")}
        </button>
      </form>
      <div class="toolbar">
        <button type="button" class="button button-secondary button-inline" onClick={() => void exportCsv()} disabled={csv !== null} aria-busy={csv !== null}>
          {t("staff.roster.csv")}
        </button>
        {mayChange && (
          <button
            ref={proxyButton}
            type="button"
            class="button button-secondary button-inline"
            aria-expanded={proxyOpen}
            aria-controls="proxy-check-in"
            onClick={() => setProxyOpen(!proxyOpen)}
          >
            {t("staff.roster.proxy")}
          </button>
        )}
      </div>
      {csv !== null && (
        <TransferProgress
          id="roster-csv-progress"
          testId="roster-csv-progress"
          label={t("staff.roster.csv")}
          line={t("staff.roster.csvProgress", { size: sizeLabel(csv.received) })}
          done={csv.received}
          total={csv.total}
          announce={(step, percent) => (step === 0 ? t("staff.progress.start", { what: t("staff.roster.csv") }) : t("staff.progress.step", { what: t("staff.roster.csv"), percent: percent ?? 0 }))}
        />
      )}
      {proxyOpen && mayChange && (
        <ProxyCheckIn
          shelterId={shelterId}
          onDone={(name) => {
            setProxyOpen(false);
            setNotice(t("staff.roster.proxyDone", { name }));
            refreshSoon();
            // The form goes away with the focus in it: back to the button that opened it.
            window.setTimeout(() => proxyButton.current?.focus(), 0);
          }}
        />
      )}
      {notice !== null && <StatusNotice>{notice}</StatusNotice>}
      {failure !== null && <ProblemNotice message={failure} />}
      {page === null ? (
        failure === null && <p role="status">{t("staff.loading")}</p>
      ) : page.items.length === 0 ? (
        <p>{t("staff.roster.empty")}</p>
      ) : (
        <>
          {range !== null && <p class="range">{t("staff.roster.range", { from: range.from, to: range.to, total: range.total })}</p>}
          <ul class="entry-cards">
            {page.items.map((entry) => {
              const name = fullName(entry);
              const kana = kanaName(entry);
              const open = panel?.stayId === entry.stay_id ? panel.kind : null;
              return (
                <li key={entry.stay_id} class="entry-card" data-stay-id={entry.stay_id}>
                  <h3 class="entry-name" tabIndex={-1}>
                    {entry.serial !== null && <span class="entry-serial">{entry.serial}</span>}
                    <span lang="ja">{name}</span>
                  </h3>
                  {kana !== "" && (
                    <p class="entry-kana" lang="ja">
                      {kana}
                    </p>
                  )}
                  <dl class="entry-facts">
                    <div>
                      <dt>{t("staff.roster.ageBand")}</dt>
                      <dd>{entry.age_band === null ? t("staff.shelters.none") : t("staff.roster.ageBandValue", { band: entry.age_band })}</dd>
                    </div>
                    <div>
                      <dt>{t("staff.roster.sex")}</dt>
                      <dd>{t(`staff.sex.${entry.personal.sex}`)}</dd>
                    </div>
                    <div>
                      <dt>{t("staff.person.dateOfBirth")}</dt>
                      <dd>{dateOfBirthLabel(entry.personal.date_of_birth, lang)}</dd>
                    </div>
                    <div>
                      <dt>{t("staff.roster.address")}</dt>
                      <dd lang="ja">{entry.personal.address}</dd>
                    </div>
                    {entry.personal.phone !== null && entry.personal.phone !== undefined && (
                      <div>
                        <dt>{t("staff.person.phone")}</dt>
                        <dd>{entry.personal.phone}</dd>
                      </div>
                    )}
                    <div>
                      <dt>{t("staff.roster.household")}</dt>
                      <dd>{entry.household_number ?? t("staff.shelters.none")}</dd>
                    </div>
                    <div>
                      <dt>{t("staff.roster.channel")}</dt>
                      <dd>{t(`staff.roster.channel.${entry.channel}`)}</dd>
                    </div>
                    {entry.statuses.length > 0 && (
                      <div>
                        <dt>{t("staff.roster.statuses")}</dt>
                        <dd lang="ja">{entry.statuses.join(t("staff.list.separator"))}</dd>
                      </div>
                    )}
                    {entry.message !== null && entry.message !== "" && (
                      <div>
                        <dt>{t("staff.roster.message")}</dt>
                        <dd class="entry-text">{entry.message}</dd>
                      </div>
                    )}
                    {entry.remarks !== null && entry.remarks !== "" && (
                      <div>
                        <dt>{t("staff.person.remarks")}</dt>
                        <dd class="entry-text">{entry.remarks}</dd>
                      </div>
                    )}
                    <div>
                      <dt>{t("staff.roster.checkedIn")}</dt>
                      <dd>{dateTimeLabel(entry.checked_in_at, lang)}</dd>
                    </div>
                    <div>
                      <dt>{t("staff.roster.state")}</dt>
                      <dd class="entry-state">
                        {entry.checked_out_at === null
                          ? t("staff.roster.present")
                          : t("staff.roster.checkedOutAt", { time: dateTimeLabel(entry.checked_out_at, lang) }) +
                            (entry.forced_check_out ? t("staff.roster.forced") : "")}
                      </dd>
                    </div>
                  </dl>
                  <div class="card-actions">
                    {mayChange && (
                      <button
                        type="button"
                        class="button button-secondary"
                        aria-expanded={open === "edit"}
                        onClick={() => setPanel(open === "edit" ? null : { kind: "edit", stayId: entry.stay_id })}
                      >
                        {t("staff.roster.edit")}
                        <span class="visually-hidden">: {name}</span>
                      </button>
                    )}
                    <button
                      type="button"
                      class="button button-secondary"
                      aria-expanded={open === "history"}
                      onClick={() => setPanel(open === "history" ? null : { kind: "history", stayId: entry.stay_id })}
                    >
                      {t("staff.roster.history")}
                      <span class="visually-hidden">: {name}</span>
                    </button>
                    {mayChange && entry.checked_out_at === null && (
                      <button type="button" class="button button-danger" onClick={() => setForcing(entry)}>
                        {t("staff.roster.forceOut")}
                        <span class="visually-hidden">: {name}</span>
                      </button>
                    )}
                  </div>
                  {open === "edit" && (
                    <EntryEditor
                      entry={entry}
                      onSaved={(saved) => {
                        setPanel(null);
                        setNotice(t("staff.roster.saved", { name: fullName(saved) }));
                        setPage((current) =>
                          current === null ? current : { ...current, items: current.items.map((item) => (item.stay_id === saved.stay_id ? saved : item)) },
                        );
                      }}
                      onCancel={() => setPanel(null)}
                    />
                  )}
                  {open === "history" && <EntryHistoryView entry={entry} />}
                </li>
              );
            })}
          </ul>
          <nav class="pager" aria-label={t("staff.roster.pages")}>
            <button type="button" class="button button-secondary button-inline" disabled={page.offset === 0} onClick={() => setOffset(Math.max(0, page.offset - PAGE_SIZE))}>
              {t("staff.roster.previous")}
            </button>
            <button
              type="button"
              class="button button-secondary button-inline"
              disabled={page.offset + page.items.length >= page.total}
              onClick={() => setOffset(page.offset + PAGE_SIZE)}
            >
              {t("staff.roster.next")}
            </button>
          </nav>
        </>
      )}
      {forcing !== null && (
        <ConfirmDialog
          question={t("staff.roster.confirmForceOut", { name: fullName(forcing) })}
          danger
          busy={busy}
          onConfirm={() => void forceOut()}
          onCancel={() => setForcing(null)}
        />
      )}
    </section>
  );
}

/** Find a person in every shelter (S13.1 evacuee search): administrators and headquarters. */
function SearchAllShelters({ shelters }: { shelters: ShelterPublic[] | null }) {
  const { t } = useStaffText();
  const session = useSession();
  const [name, setName] = useState("");
  const [result, setResult] = useState<RosterPageData | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const shelterName = (id: string) => shelters?.find((s) => s.shelter_id === id)?.name ?? id;

  const search = async (event: Event) => {
    event.preventDefault();
    if (name.trim() === "" || busy) return;
    setBusy(true);
    const outcome = await session.call(
      session.clients.roster.GET("/entries", { params: { query: { name: name.trim(), status: "all", limit: SEARCH_LIMIT } } }),
    );
    setBusy(false);
    if (outcome.ok) {
      setResult(outcome.data);
      setFailure(null);
    } else setFailure(outcome.message);
  };

  return (
    <section aria-labelledby="search-all-heading" class="search-all">
      <h2 id="search-all-heading">{t("staff.roster.searchAll")}</h2>
      <form class="filters" role="search" aria-labelledby="search-all-heading" onSubmit={(event) => void search(event)}>
        <div class="field">
          <label for="search-all-name" class="field-label">
            {t("staff.roster.name")}
          </label>
          <input id="search-all-name" type="search" value={name} maxLength={100} onInput={(event) => setName(event.currentTarget.value)} />
        </div>
        <button type="submit" class="button button-primary button-inline" disabled={busy} aria-busy={busy}>
          {t("staff.roster.searchAllSubmit")}
        </button>
      </form>
      {failure !== null && <ProblemNotice message={failure} />}
      {result !== null && (
        // Only the count is announced (role="status"), not the whole list of hits.
        <div>
          {result.items.length === 0 ? (
            <p role="status">{t("staff.roster.empty")}</p>
          ) : (
            <>
              <p class="range" role="status">
                {t("staff.roster.range", { from: 1, to: result.items.length, total: result.total })}
              </p>
              <ul class="search-hits">
                {result.items.map((entry) => (
                  <li key={entry.stay_id}>
                    <strong lang="ja">{fullName(entry)}</strong>{" "}
                    {kanaName(entry) !== "" && (
                      <span class="muted">
                        <Slotted text={t("staff.kanaAside", { kana: SLOT })}>
                          <span lang="ja">{kanaName(entry)}</span>
                        </Slotted>
                      </span>
                    )}
                    <br />
                    <a
                      href={rosterPath(entry.shelter_id)}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(rosterPath(entry.shelter_id));
                      }}
                    >
                      <span lang="ja">{shelterName(entry.shelter_id)}</span>
                    </a>{" "}
                    — {entry.checked_out_at === null ? t("staff.roster.present") : t("staff.roster.status.checked_out")}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

const SEARCH_LIMIT = 50;
