/**
 * How a crowding level (混雑度, S13-S14) is drawn: a colour AND a shape AND a word, so colour is
 * never the only signal (WCAG 1.4.1). Colours are dark enough for white text (contrast > 4.5:1)
 * and differ for the common colour-vision types (blue / amber-brown / orange-red / dark red-purple).
 */
import type { VisualKey } from "./text";

export type CrowdingLevel = "vacant" | "moderate" | "crowded" | "full";
export type LevelOrUnknown = CrowdingLevel | "unknown";

export const LEVELS: readonly LevelOrUnknown[] = ["vacant", "moderate", "crowded", "full", "unknown"];

export interface LevelStyle {
  readonly fill: string;
  readonly shape: "circle" | "square" | "triangle" | "octagon" | "dashed";
  readonly label: VisualKey;
}

export const LEVEL_STYLES: Readonly<Record<LevelOrUnknown, LevelStyle>> = {
  vacant: { fill: "#0b5cad", shape: "circle", label: "level.vacant" },
  moderate: { fill: "#7a5200", shape: "square", label: "level.moderate" },
  crowded: { fill: "#b3400a", shape: "triangle", label: "level.crowded" },
  full: { fill: "#8b0a50", shape: "octagon", label: "level.full" },
  unknown: { fill: "#555b66", shape: "dashed", label: "level.unknown" },
};

export function levelOf(value: string | null | undefined): LevelOrUnknown {
  return value === "vacant" || value === "moderate" || value === "crowded" || value === "full" ? value : "unknown";
}

/** The marker's outline, centred on (0, 0), about `r` across its half-width. */
export function markerPath(shape: LevelStyle["shape"], r: number): string {
  switch (shape) {
    case "circle":
    case "dashed":
      return `M ${-r} 0 A ${r} ${r} 0 1 0 ${r} 0 A ${r} ${r} 0 1 0 ${-r} 0 Z`;
    case "square":
      return `M ${-r} ${-r} H ${r} V ${r} H ${-r} Z`;
    case "triangle":
      return `M 0 ${-r * 1.25} L ${r * 1.2} ${r * 0.9} L ${-r * 1.2} ${r * 0.9} Z`;
    case "octagon": {
      const a = r * 0.414;
      return `M ${-a} ${-r} H ${a} L ${r} ${-a} V ${a} L ${a} ${r} H ${-a} L ${-r} ${a} V ${-a} Z`;
    }
  }
}

/** 0.42 -> "42%"; null when there is no capacity. */
export function percent(rate: number | null | undefined): string | undefined {
  return rate === null || rate === undefined ? undefined : `${Math.round(rate * 100)}%`;
}
