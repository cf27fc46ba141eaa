/**
 * Every page of a paged list (S14: a municipality may have more shelters than one page holds,
 * the services answer at most 500 items per request). One helper for every list read, so no
 * screen silently stops at the first page.
 */

/** One page as the services answer it (`{items, total, offset, limit}`; only these two matter). */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/** The services' largest page. */
export const MAX_PAGE_SIZE = 500;

/**
 * Reads pages from offset 0 until `total` items were read (or a page comes back empty), and
 * returns all items; the first failed page's outcome is returned as it is.
 */
export async function readAllPages<T, F extends { readonly ok: false }>(
  readPage: (offset: number, limit: number) => Promise<{ readonly ok: true; readonly data: ListPage<T> } | F>,
  pageSize: number = MAX_PAGE_SIZE,
): Promise<{ readonly ok: true; readonly data: T[] } | F> {
  const items: T[] = [];
  for (;;) {
    const outcome = await readPage(items.length, pageSize);
    if (!outcome.ok) return outcome;
    items.push(...outcome.data.items);
    if (outcome.data.items.length === 0 || items.length >= outcome.data.total) return { ok: true, data: items };
  }
}
