/** Small line icons; always decorative, with the plain word next to them (S16: words, not only pictures). */
export type IconName = "home" | "globe" | "alert" | "check" | "door" | "user" | "arrowLeft" | "arrowRight" | "info";

const PATHS: Readonly<Record<IconName, string>> = {
  home: "M3 11 12 3l9 8M5 10v10h5v-6h4v6h5V10",
  globe: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm-9 9h18M12 3c2.5 2.5 3.8 5.5 3.8 9S14.5 18.5 12 21c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3Z",
  alert: "M12 3 2 20h20L12 3Zm0 6v5m0 3v.5",
  check: "M4 12.5 9.5 18 20 6",
  door: "M6 21V4h9v17M15 12h5m-2-3 3 3-3 3M11 12h.5",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-8 9c0-4 3.6-7 8-7s8 3 8 7",
  arrowLeft: "M20 12H5m6-7-7 7 7 7",
  arrowRight: "M4 12h15m-6-7 7 7-7 7",
  info: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 8v6m0-9.5V8",
};

export function Icon({ name, class: className }: { name: IconName; class?: string }) {
  return (
    <svg
      class={className === undefined ? "icon" : `icon ${className}`}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      stroke-width="2.2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
