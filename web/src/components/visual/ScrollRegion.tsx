import type { ComponentChildren } from "preact";

/**
 * A wide table on a small phone scrolls sideways inside this region instead of the page
 * (WCAG 1.4.10); keyboard users can focus it to scroll (axe: scrollable-region-focusable), and
 * screen readers hear its name.
 */
export function ScrollRegion({ labelledBy, children }: { labelledBy: string; children: ComponentChildren }) {
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be focusable
    <div class="table-scroll" role="region" aria-labelledby={labelledBy} tabIndex={0}>
      {children}
    </div>
  );
}
