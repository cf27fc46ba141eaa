/** The disaster-closed screen (S10.3, S13.1) in English: the keys of disaster.ja.ts. */
import type { DisasterDictionary } from "./disaster.ja";

export const disasterEn: DisasterDictionary = {
  "staff.nav.disaster": "Close the disaster",

  "disaster.lead": "When the disaster is over, close it on this screen. Closing the disaster deletes the evacuees' personal data (names, addresses, dates of birth, phone numbers and so on) from every service.",
  "disaster.irreversible": "Deleted personal data cannot be restored. Save the disaster's file first.",
  "disaster.steps": "Steps",

  "disaster.step1": "Step 1: Save the disaster's file",
  "disaster.step1.lead": "Once every shelter is closed, save every shelter's roster and a summary per shelter in one ZIP file.",
  "disaster.download": "Save the file",
  "disaster.downloading": "Saving… {received}",
  "disaster.progress": "Progress of saving the file",
  "disaster.downloaded": "Saved {file} ({size}).",

  "disaster.step2": "Step 2: Close the disaster",
  "disaster.step2.locked": "Save the file in step 1 to go on to this step.",
  "disaster.toStep1": "To step 1 (save the file again)",
  "disaster.openShelters": "{count} shelters are open. Close every shelter, then save the file.",
  "disaster.noOpenShelters": "No shelter is open.",
  "disaster.toShelters": "Close them in the shelter list",
  "disaster.recheck": "Check again",
  "disaster.phraseLabel": "To confirm, type「{phrase}」",
  "disaster.phraseHint": "The disaster closes only when what you type is「{phrase}」.",
  "disaster.phraseMismatch": "Type「{phrase}」.",
  "disaster.close": "Close the disaster",
  "disaster.confirm": "Close the disaster now? All personal data will be deleted and cannot be restored.",
  "disaster.closing": "Closing the disaster…",

  "disaster.step3": "Step 3: Check the deletion of personal data",
  "disaster.closedAt": "{user} closed the disaster at {at}.",
  "disaster.notClosed": "The disaster is not closed yet.",
  "disaster.service": "Service",
  "disaster.deletion": "Deletion",
  "disaster.state.confirmed": "Deletion confirmed",
  "disaster.state.pending": "Waiting for the deletion",
  "disaster.state.not_applicable": "Holds no personal data",
  "disaster.progressSummary": "Confirmed by {done} of {all} services.",
  "disaster.complete": "Every service confirmed that the personal data is deleted.",
  "disaster.waiting": "Waiting for the confirmations. This screen updates by itself.",
  "disaster.deletedCount": "({count} records deleted)",

  "disaster.serviceName.registration": "Check-in (registration)",
  "disaster.serviceName.roster": "Roster",
  "disaster.serviceName.stats": "Statistics",
  "disaster.serviceName.integration": "Integration",
  "disaster.serviceName.auth": "Sign-in and accounts",
};
