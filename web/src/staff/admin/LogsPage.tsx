/**
 * /staff/logs (S10.8): the administrator saves the audit log of a period as CSV, with the
 * download's progress shown (bytes, and a bar when the size is known).
 */
import { useState } from "preact/hooks";
import { FocusHeading } from "../../components/FocusHeading";
import { TransferProgress } from "../../components/TransferProgress";
import { TextField } from "../../components/fields";
import { useStaffText } from "../../i18n/context";
import type { StaffMessage } from "../messages";
import { ProblemNotice, StatusNotice } from "../ProblemNotice";
import { useSession } from "../session";
import { AdminOnly, byteSize, useFieldText } from "./common";
import { auditFileName, auditUrl, japanToday, periodOf } from "./logs";
import { saveBlob } from "../download";

export function LogsPage() {
  const { t } = useStaffText();
  return (
    <AdminOnly title={t("staff.nav.logs")}>
      <Logs />
    </AdminOnly>
  );
}

function Logs() {
  const { t } = useStaffText();
  const session = useSession();
  const text = useFieldText();
  const today = japanToday();
  const [fromDay, setFromDay] = useState(today);
  const [toDay, setToDay] = useState(today);
  const [error, setError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<StaffMessage | undefined>(undefined);
  const [progress, setProgress] = useState<{ received: number; total: number | undefined } | undefined>(undefined);
  const [news, setNews] = useState<string | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    const period = periodOf(fromDay, toDay);
    if (!period.ok) {
      setError(t(period.reason === "missing" ? "admin.logs.missing" : "admin.logs.badRange"));
      return;
    }
    setError(undefined);
    setFailure(undefined);
    setNews(undefined);
    setProgress({ received: 0, total: undefined });
    const outcome = await session.download(auditUrl(period), (received, total) => setProgress({ received, total }));
    setProgress(undefined);
    if (!outcome.ok) {
      setFailure(outcome.message);
      return;
    }
    const name = auditFileName(fromDay, toDay);
    saveBlob(outcome.data, name);
    setNews(t("admin.logs.done", { file: name, size: byteSize(outcome.data.size) }));
  };

  return (
    <>
      <FocusHeading>{t("staff.nav.logs")}</FocusHeading>
      <p class="lead">{t("admin.logs.lead")}</p>
      {failure !== undefined && <ProblemNotice message={failure} />}
      {news !== undefined && <StatusNotice>{news}</StatusNotice>}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p id="logs-hint" class="field-hint">
          {t("admin.logs.rangeHint")}
        </p>
        <div class="field-row">
          <TextField id="logs-from" type="date" label={t("admin.logs.from")} value={fromDay} onValue={setFromDay} required text={text} error={error} />
          <TextField id="logs-to" type="date" label={t("admin.logs.to")} value={toDay} onValue={setToDay} required text={text} />
        </div>
        <div class="admin-inline">
          <button type="submit" class="button button-primary" disabled={progress !== undefined}>
            {t("admin.logs.download")}
          </button>
        </div>
      </form>
      {progress !== undefined && (
        <TransferProgress
          id="logs-progress-bar"
          testId="logs-progress"
          label={t("admin.logs.progress")}
          line={t("admin.logs.downloading", { received: byteSize(progress.received) })}
          done={progress.received}
          total={progress.total}
          announce={(step, percent) => (step === 0 ? t("staff.progress.start", { what: t("admin.logs.progress") }) : t("staff.progress.step", { what: t("admin.logs.progress"), percent: percent ?? 0 }))}
        />
      )}
    </>
  );
}
