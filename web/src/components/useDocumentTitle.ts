import { useLayoutEffect } from "preact/hooks";

/** Each page has its own title, read first by screen readers after a navigation. */
export function useDocumentTitle(title: string): void {
  useLayoutEffect(() => {
    document.title = title;
  }, [title]);
}
