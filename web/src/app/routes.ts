/**
 * The app's addresses. `/checkin/:shelterId` is what the shelter's QR code opens (S1.2, S16.2);
 * the gateway answers every unknown path with index.html, so these work on a reload too.
 */
export type StaffSection = "signIn" | "home" | "shelters" | "roster" | "accounts" | "settings";

export type Route =
  | { readonly name: "home" }
  | { readonly name: "checkin"; readonly shelterId: string }
  | { readonly name: "checkout"; readonly shelterId: string }
  | { readonly name: "staff"; readonly section: StaffSection }
  | { readonly name: "notFound" };

const STAFF_SECTIONS: Readonly<Record<string, StaffSection>> = {
  "": "signIn",
  "sign-in": "signIn",
  home: "home",
  shelters: "shelters",
  roster: "roster",
  accounts: "accounts",
  settings: "settings",
};

export const STAFF_PATHS: Readonly<Record<StaffSection, string>> = {
  signIn: "/staff",
  home: "/staff/home",
  shelters: "/staff/shelters",
  roster: "/staff/roster",
  accounts: "/staff/accounts",
  settings: "/staff/settings",
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
  if ((first === "checkin" || first === "checkout") && second !== undefined && rest.length === 0) {
    const shelterId = decodeSegment(second);
    if (shelterId !== undefined) return { name: first, shelterId };
  }
  if (first === "staff" && rest.length === 0) {
    const section = STAFF_SECTIONS[second ?? ""];
    if (section !== undefined) return { name: "staff", section };
  }
  return { name: "notFound" };
}

export function checkInPath(shelterId: string): string {
  return `/checkin/${encodeURIComponent(shelterId)}`;
}

export function checkOutPath(shelterId: string): string {
  return `/checkout/${encodeURIComponent(shelterId)}`;
}
