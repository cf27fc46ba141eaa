/**
 * Focus for a form that opens away from the button that opened it (review item 20): the form's
 * heading takes the focus when it opens (a keyboard or screen-reader user lands in it, not
 * somewhere above), and when the form closes (saved or cancelled) with the focus inside it or
 * lost, the focus goes back to the button that opened it.
 */
import { useEffect, useRef } from "preact/hooks";

export function useEditorFocus<T extends HTMLElement>(active: boolean) {
  const heading = useRef<T>(null);
  useEffect(() => {
    if (!active) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const container = heading.current?.parentElement ?? null;
    heading.current?.focus();
    return () => {
      const now = document.activeElement;
      const lost = now === null || now === document.body || (container?.contains(now) ?? false);
      if (lost && opener?.isConnected === true) opener.focus();
    };
  }, [active]);
  return heading;
}
