/** The shelter a public page is about, from GET /api/registration/shelters/{id} (S14 fields). */
import { useEffect, useState } from "preact/hooks";
import { outcomeOf, registrationApi, type ShelterPublic } from "../api/clients";
import type { Problem } from "../api/problem";

export type ShelterState =
  | { readonly state: "loading" }
  | { readonly state: "found"; readonly shelter: ShelterPublic }
  | { readonly state: "refused"; readonly problem: Problem }
  | { readonly state: "unknown" };

export function useShelter(shelterId: string): ShelterState {
  const [shelter, setShelter] = useState<ShelterState>({ state: "loading" });
  useEffect(() => {
    let current = true;
    setShelter({ state: "loading" });
    void outcomeOf(registrationApi.GET("/shelters/{shelter_id}", { params: { path: { shelter_id: shelterId } } })).then(
      (outcome) => {
        if (!current) return;
        if (outcome.ok) setShelter({ state: "found", shelter: outcome.data });
        // Only the API's word that the shelter does not exist counts as a refusal; anything
        // else (a network hiccup, a future sign-in requirement) leaves the page usable.
        else if (outcome.failure.kind === "problem" && [404, 422].includes(outcome.failure.problem.status)) {
          setShelter({ state: "refused", problem: outcome.failure.problem });
        } else setShelter({ state: "unknown" });
      },
    );
    return () => {
      current = false;
    };
  }, [shelterId]);
  return shelter;
}

export function ShelterBanner({ shelter, label, loading }: { shelter: ShelterState; label: string; loading: string }) {
  if (shelter.state === "loading") {
    return (
      <p class="shelter-banner" role="status">
        {loading}
      </p>
    );
  }
  if (shelter.state !== "found") return null;
  return (
    <p class="shelter-banner">
      <span class="shelter-label">{label}</span>
      <strong class="shelter-name" data-testid="shelter-name" lang="ja">
        {shelter.shelter.name}
      </strong>
    </p>
  );
}
