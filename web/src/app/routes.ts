/**
 * The app's addresses. `/checkin/:shelterId` is what the shelter's QR code opens (S1.2, S16.2);
 * the gateway answers every unknown path with index.html, so these work on a reload too.
 */
export type StaffSection =
  | "signIn"
  | "password"
  | "home"
  | "shelters"
  | "roster"
  | "accounts"
  | "settings"
  | "shelterAdmin"
  | "logs"
  | "disaster";

export type Route =
  | { readonly name: "home" }
  | { readonly name: "checkin"; readonly shelterId: string }
  | { readonly name: "checkout"; readonly shelterId: string }
  | { readonly name: "search" }
  | { readonly name: "shelters" }
  | { readonly name: "staff"; readonly section: StaffSection; readonly shelterId?: string }
  | { readonly name: "notFound" };

const STAFF_SECTIONS: Readonly<Record<string, StaffSection>> = {
  "": "signIn",
  "sign-in": "signIn",
  password: "password",
  home: "home",
  shelters: "shelters",
  roster: "roster",
  accounts: "accounts",
  settings: "settings",
  "shelter-admin": "shelterAdmin",
  logs: "logs",
  disaster: "disaster",
};

export const STAFF_PATHS: Readonly<Record<StaffSection, string>> = {
  signIn: "/staff",
  password: "/staff/password",
  home: "/staff/home",
  shelters: "/staff/shelters",
  roster: "/staff/roster",
  accounts: "/staff/accounts",
  settings: "/staff/settings",
  shelterAdmin: "/staff/shelter-admin",
  logs: "/staff/logs",
  disaster: "/staff/disaster",
};

function decodeSegment(segment: string): string | undefined {
  try {
    const decoded = decodeURIComponent(segment);
    return decoded.length > 0 ? decoded : undefined;
  } catch {
    return undefined;
  }
}

export function matchRoute(pathname: string): Route {
  const segments = pathname.replace(/\/+$/, "").split("/").slice(1);
  const [first = "", second, ...rest] = segments;
  if (first === "" && segments.length <= 1) return { name: "home" };
  // The public evacuee search (S10 public 1, S16.1) and the open shelters with their crowding (S13-S14).
  if ((first === "search" || first === "shelters") && segments.length === 1) return { name: first };
  if ((first === "checkin" || first === "checkout") && second !== undefined && rest.length === 0) {
    const shelterId = decodeSegment(second);
    if (shelterId !== undefined) return { name: first, shelterId };
  }
  if (first === "staff" && rest.length === 0) {
    const section = STAFF_SECTIONS[second ?? ""];
    if (section !== undefined) return { name: "staff", section };
  }
  // One shelter's roster (S10.4, S11): /staff/roster/:shelterId
  if (first === "staff" && second === "roster" && rest.length === 1 && rest[0] !== undefined) {
    const shelterId = decodeSegment(rest[0]);
    if (shelterId !== undefined) return { name: "staff", section: "roster", shelterId };
  }
  return { name: "notFound" };
}

export function checkInPath(shelterId: string): string {
  return `/checkin/${encodeURIComponent(shelterId)}`;
}

export function checkOutPath(shelterId: string): string {
  return `/checkout/${encodeURIComponent(shelterId)}`;
}

export function rosterPath(shelterId: string): string {
  return `${STAFF_PATHS.roster}/${encodeURIComponent(shelterId)}`;
}
