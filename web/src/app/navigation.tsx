import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

const NAVIGATED = "app:navigated";

/** Client-side navigation: the History API plus one event the app listens to. */
/**
 * Goes to `path` inside the app. `replace` for a redirect (e.g. the roster of the one shelter a
 * staff member has): the Back button then leaves instead of landing on the redirect again.
 */
export function navigate(path: string, options: { readonly replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace === true) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function usePathname(): string {
  const [pathname, setPathname] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPathname(window.location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return pathname;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href"> & { href: string; children: ComponentChildren };

/** An ordinary link (works without JavaScript, opens in a new tab) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
