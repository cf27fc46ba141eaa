/**
 * /search: families and friends look for a person in the shelters by family name, given name
 * or both (S10 public 1, S16.1). Only the fields the municipality disclosed come back from the
 * roster service; this page shows those and nothing else. No login; the service limits how
 * often one phone may search (429 + Retry-After), which is explained in plain words.
 */
import { useRef, useState } from "preact/hooks";
import { outcomeOf, rosterApi } from "../../api/clients";
import { Link } from "../../app/navigation";
import { FocusHeading } from "../../components/FocusHeading";
import { Notice } from "../../components/PublicLayout";
import { TextField } from "../../components/fields";
import { useDocumentTitle } from "../../components/useDocumentTitle";
import { usePublicText } from "../../i18n/context";
import type { PublicKey } from "../../i18n/public";
import { problemText } from "../problemText";
import { answerOf, disclosedFields, joinName, searchQuery, type HitField, type SearchAnswer, type SearchHit } from "./search";

type State = { readonly kind: "idle" } | { readonly kind: "searching" } | SearchAnswer;

const FIELD_LABELS: Readonly<Record<HitField, PublicKey>> = {
  name: "search.name",
  kana: "search.kana",
  sex: "field.sex",
  age: "search.age",
  address: "field.address",
};

export function SearchPage() {
  const { t, lang } = usePublicText();
  useDocumentTitle(`${t("search.title")} | ${t("app.title")}`);
  const [familyName, setFamilyName] = useState("");
  const [givenName, setGivenName] = useState("");
  const [state, setState] = useState<State>({ kind: "idle" });
  const familyRef = useRef<HTMLDivElement>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (state.kind === "searching") return;
    const query = searchQuery(familyName, givenName);
    if (query === undefined) {
      setState({ kind: "noQuery" });
      familyRef.current?.querySelector("input")?.focus();
      return;
    }
    setState({ kind: "searching" });
    let retryAfter: string | null = null;
    const outcome = await outcomeOf(
      rosterApi.GET("/public/search", { params: { query } }).then((answer) => {
        retryAfter = answer.response.headers.get("Retry-After");
        return answer;
      }),
    );
    setState(answerOf(outcome, retryAfter));
    // The answer is announced (role=status/alert); the focus stays in the form for a new search.
  };

  const noQuery = state.kind === "noQuery";
  const text = { required: t("required"), optional: t("optional") };
  return (
    <>
      <FocusHeading>{t("search.heading")}</FocusHeading>
      <p class="lead">{t("search.lead")}</p>
      <form class="search-form" onSubmit={(event) => void submit(event)} noValidate>
        <p id="search-hint" class="field-hint">
          {t("search.hint")}
        </p>
        <div ref={familyRef}>
          <TextField
            id="search-family"
            label={t("search.familyName")}
            value={familyName}
            onValue={setFamilyName}
            required={false}
            text={text}
            error={noQuery ? t("search.noQuery") : undefined}
            maxLength={100}
            autoComplete="off"
          />
        </div>
        <TextField
          id="search-given"
          label={t("search.givenName")}
          value={givenName}
          onValue={setGivenName}
          required={false}
          text={text}
          maxLength={100}
          autoComplete="off"
        />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={state.kind === "searching"}>
            <span>{state.kind === "searching" ? t("search.searching") : t("search.submit")}</span>
          </button>
        </div>
      </form>
      <div class="search-results" data-testid="search-results">
        <SearchResult state={state} lang={lang} t={t} />
      </div>
      <p class="muted">{t("search.disclosedNote")}</p>
      <p>
        <Link href="/shelters">{t("home.shelters")}</Link>
      </p>
    </>
  );
}

function SearchResult({
  state,
  lang,
  t,
}: {
  state: State;
  lang: ReturnType<typeof usePublicText>["lang"];
  t: ReturnType<typeof usePublicText>["t"];
}) {
  switch (state.kind) {
    case "idle":
      return null;
    case "searching":
      return (
        <p role="status" class="muted">
          {t("search.searching")}
        </p>
      );
    case "noQuery":
      return (
        <Notice kind="error">
          <p>{t("search.noQuery")}</p>
        </Notice>
      );
    case "rateLimited":
      return (
        <Notice kind="error">
          <p data-testid="search-rate-limited">
            {state.retryAfterSeconds === undefined
              ? t("search.rateLimited")
              : t("search.rateLimitedSeconds", { seconds: state.retryAfterSeconds })}
          </p>
        </Notice>
      );
    case "problem":
      return (
        <Notice kind="error">
          <p>{problemText(state.problem, lang, t)}</p>
        </Notice>
      );
    case "http":
      return (
        <Notice kind="error">
          <p>{t("errors.unexpected", { status: state.status })}</p>
        </Notice>
      );
    case "network":
      return (
        <Notice kind="error">
          <p>{t("errors.network")}</p>
        </Notice>
      );
    case "found":
      return (
        <>
          <div role="status">
            <h2>{t("search.resultsHeading")}</h2>
            <p data-testid="search-count">
              {state.items.length === 0 ? t("search.none") : t("search.count", { count: state.items.length })}
            </p>
          </div>
          {state.items.length > 0 && (
            <ul class="search-hits">
              {state.items.map((hit, index) => (
                <li key={index} class="search-hit" data-testid="search-hit">
                  <HitCard hit={hit} t={t} />
                </li>
              ))}
            </ul>
          )}
        </>
      );
  }
}

const JAPANESE_DATA: ReadonlySet<HitField> = new Set<HitField>(["name", "kana", "address"]);

function HitCard({ hit, t }: { hit: SearchHit; t: ReturnType<typeof usePublicText>["t"] }) {
  const value = (field: HitField): string => {
    switch (field) {
      case "name":
        return joinName(hit.family_name, hit.given_name);
      case "kana":
        return joinName(hit.family_name_kana, hit.given_name_kana);
      case "sex":
        return hit.sex === null || hit.sex === undefined ? "" : t(`sex.${hit.sex}`);
      case "age":
        if (hit.age !== null && hit.age !== undefined) return t("search.ageYears", { age: hit.age });
        if (hit.age_band === null || hit.age_band === undefined) return "";
        return hit.age_band >= 90 ? t("search.ageBandTop", { band: hit.age_band }) : t("search.ageBand", { band: hit.age_band });
      case "address":
        return hit.address ?? "";
    }
  };
  return (
    <dl class="summary-list">
      <div class="summary-row">
        <dt>{t("checkin.shelter")}</dt>
        <dd data-field="shelter" lang="ja">
          {hit.shelter_name ?? hit.shelter_id}
        </dd>
      </div>
      {disclosedFields(hit).map((field) => (
        <div class="summary-row" key={field}>
          <dt>{t(FIELD_LABELS[field])}</dt>
          {/* Names, kana and addresses are Japanese data, also on the other languages' pages. */}
          <dd data-field={field} lang={JAPANESE_DATA.has(field) ? "ja" : undefined}>
            {value(field)}
          </dd>
        </div>
      ))}
    </dl>
  );
}
