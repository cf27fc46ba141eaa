/** The disaster-closed screen (災害収束, S10.3, S13.1) in Japanese; disaster.en.ts has the same keys. */
export const disasterJa = {
  "staff.nav.disaster": "災害収束",

  "disaster.lead": "災害が終わったら、この画面で「災害収束」を行います。災害収束すると、すべてのサービスから避難者の個人情報（名前・住所・生年月日・電話番号など）が削除されます。",
  "disaster.irreversible": "削除した個人情報は元に戻せません。先に必ず災害のファイルを保存してください。",
  "disaster.steps": "手順",

  "disaster.step1": "手順1　災害のファイルを保存する",
  "disaster.step1.lead": "すべての避難所を閉鎖してから、すべての避難所の名簿と避難所ごとの集計を、1つのZIPファイルにまとめて保存します。",
  "disaster.download": "ファイルを保存",
  "disaster.downloading": "保存しています… {received}",
  "disaster.progress": "ファイルの保存の進み具合",
  "disaster.downloaded": "{file}（{size}）を保存しました。",

  "disaster.step2": "手順2　災害収束する",
  "disaster.step2.locked": "手順1でファイルを保存すると、この手順に進めます。",
  "disaster.toStep1": "手順1へ（ファイルをもう一度保存する）",
  "disaster.openShelters": "開設中の避難所があります（{count}か所）。すべて閉鎖してから、ファイルを保存してください。",
  "disaster.noOpenShelters": "開設中の避難所はありません。",
  "disaster.toShelters": "避難所一覧で閉鎖する",
  "disaster.recheck": "もう一度確かめる",
  "disaster.phraseLabel": "確認のため「{phrase}」と入力してください",
  "disaster.phraseHint": "入力した文字が「{phrase}」と同じときだけ、災害収束できます。",
  "disaster.phraseMismatch": "「{phrase}」と入力してください。",
  "disaster.close": "災害収束する",
  "disaster.confirm": "本当に災害収束しますか？すべての個人情報が削除され、元に戻せません。",
  "disaster.closing": "災害収束しています…",

  "disaster.step3": "手順3　個人情報の削除の確認",
  "disaster.closedAt": "{at} に {user} が災害収束しました。",
  "disaster.notClosed": "まだ災害収束していません。",
  "disaster.service": "サービス",
  "disaster.deletion": "削除の状態",
  "disaster.state.confirmed": "削除を確認しました",
  "disaster.state.pending": "削除を待っています",
  "disaster.state.not_applicable": "個人情報を保存していません",
  "disaster.progressSummary": "{done} / {all} のサービスで確認しました。",
  "disaster.complete": "すべてのサービスで個人情報の削除を確認しました。",
  "disaster.waiting": "削除の確認を待っています。この画面は自動で更新されます。",
  "disaster.deletedCount": "（{count}件を削除）",

  "disaster.serviceName.registration": "受付（登録）",
  "disaster.serviceName.roster": "名簿",
  "disaster.serviceName.stats": "集計",
  "disaster.serviceName.integration": "外部連携",
  "disaster.serviceName.auth": "ログイン・アカウント",
} as const;

export type DisasterKey = keyof typeof disasterJa;
export type DisasterDictionary = Readonly<Record<DisasterKey, string>>;
