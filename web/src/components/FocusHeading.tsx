import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";

let initialRenderDone = false;

/** Called once the first page is on screen: from then on, a new view takes the focus. */
export function markInitialRenderDone(): void {
  initialRenderDone = true;
}

/**
 * The view's h1. When the view changes (a new page, the next step) it takes the focus so that
 * screen-reader and keyboard users start at the top of what changed, not at a vanished button;
 * on the first page load the browser keeps its usual start.
 */
export function FocusHeading({
  children,
  id,
  takeFocus = true,
}: {
  children: ComponentChildren;
  id?: string;
  /** False when something else in the view takes the focus (an error summary). */
  takeFocus?: boolean;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => {
    if (initialRenderDone && takeFocus) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} id={id}>
      {children}
    </h1>
  );
}
