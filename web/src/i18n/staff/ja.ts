/** The staff shell in Japanese (S10); filled in by the staff-screens issues. */
export const staffJa = {
  "staff.appName": "避難所管理",
  "staff.skip": "本文へ移動",
  "staff.nav": "管理メニュー",
  "staff.nav.home": "ホーム",
  "staff.nav.shelters": "避難所一覧",
  "staff.nav.roster": "避難者名簿",
  "staff.nav.accounts": "アカウント",
  "staff.nav.settings": "設定",
  "staff.nav.signIn": "ログイン",
  "staff.signIn.title": "職員ログイン",
  "staff.signIn.lead":
    "職員向けの画面（ログイン、避難所一覧、避難者名簿、設定）は、認証（アカウント）の課題で追加されます。",
  "staff.placeholder.lead": "この画面は準備中です。認証（アカウント）の課題のあとに追加されます。",
  "staff.publicLink": "一般向けページへ",
} as const;

export type StaffKey = keyof typeof staffJa;
export type StaffDictionary = Readonly<Record<StaffKey, string>>;
