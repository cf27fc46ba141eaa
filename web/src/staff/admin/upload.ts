/**
 * Sends a file with upload progress (fetch cannot report it): XMLHttpRequest with the session
 * cookie, the CSRF header (double submit, as `staffFetch` does) and one retry after a refresh
 * when the access token had expired.
 */
import { csrfHeaderFor, retryAfterRefresh } from "../../api/clients";

export interface UploadAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type UploadPhase = { readonly phase: "uploading"; readonly sent: number; readonly total: number } | { readonly phase: "processing" };

/** A CSV import of thousands of shelters takes seconds; this long means the answer is not coming. */
export const UPLOAD_TIMEOUT_MS = 10 * 60_000;

function sendOnce(url: string, file: Blob, contentType: string, onProgress: (phase: UploadPhase) => void): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.withCredentials = true;
    request.setRequestHeader("Content-Type", contentType);
    request.setRequestHeader("Accept", "application/json, application/problem+json");
    for (const [name, value] of Object.entries(csrfHeaderFor(document.cookie))) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress({ phase: "uploading", sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    request.upload.onload = () => onProgress({ phase: "processing" });
    request.onload = () => {
      let body: unknown = undefined;
      try {
        body = request.responseText === "" ? undefined : (JSON.parse(request.responseText) as unknown);
      } catch {
        body = request.responseText;
      }
      resolve({ status: request.status, body });
    };
    // Every way the request can end settles the promise: otherwise the import stays "processing".
    request.onerror = () => reject(new Error("network"));
    request.onabort = () => reject(new Error("aborted"));
    request.ontimeout = () => reject(new Error("timeout"));
    request.timeout = UPLOAD_TIMEOUT_MS;
    onProgress({ phase: "uploading", sent: 0, total: file.size });
    request.send(file);
  });
}

export async function upload(
  url: string,
  file: Blob,
  contentType: string,
  onProgress: (phase: UploadPhase) => void,
  refresh: () => Promise<boolean>,
  onSessionEnded: () => void,
): Promise<UploadAnswer> {
  return retryAfterRefresh(() => sendOnce(url, file, contentType, onProgress), refresh, onSessionEnded);
}

/** 0..100 while uploading; undefined while the server works (an indeterminate bar). */
export function percentOf(phase: UploadPhase): number | undefined {
  if (phase.phase === "processing") return undefined;
  return phase.total > 0 ? Math.min(100, Math.round((phase.sent / phase.total) * 100)) : 0;
}
