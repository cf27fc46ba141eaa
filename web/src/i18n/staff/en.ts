import type { StaffDictionary } from "./ja";

export const staffEn: StaffDictionary = {
  "staff.appName": "Shelter management",
  "staff.skip": "Skip to main content",
  "staff.nav": "Management menu",
  "staff.nav.home": "Home",
  "staff.nav.shelters": "Shelters",
  "staff.nav.roster": "Evacuee roster",
  "staff.nav.accounts": "Accounts",
  "staff.nav.settings": "Settings",
  "staff.nav.signIn": "Sign in",
  "staff.signIn.title": "Staff sign-in",
  "staff.signIn.lead":
    "The staff screens (sign-in, shelter list, roster, settings) arrive with the authentication (accounts) issue.",
  "staff.placeholder.lead": "This screen is not ready yet. It arrives after the authentication (accounts) issue.",
  "staff.publicLink": "Public pages",
};
