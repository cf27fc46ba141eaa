import { describe, expect, it, vi } from "vitest";
import { readAllPages } from "./paging";

const all = Array.from({ length: 1234 }, (_, index) => `s${index}`);

// Review items 12 and 29: lists stopped at the first 500 shelters.
describe("readAllPages", () => {
  it("reads every page until the total, in pages of at most 500", async () => {
    const asked: [number, number][] = [];
    const read = vi.fn((offset: number, limit: number) => {
      asked.push([offset, limit]);
      return Promise.resolve({ ok: true as const, data: { items: all.slice(offset, offset + limit), total: all.length } });
    });
    const outcome = await readAllPages(read);
    expect(outcome.ok && outcome.data).toEqual(all);
    expect(asked).toEqual([
      [0, 500],
      [500, 500],
      [1000, 500],
    ]);
  });

  it("stops at an empty page (the list shrank while being read) and passes a failure on as it is", async () => {
    const shrunk = await readAllPages((offset) => Promise.resolve({ ok: true as const, data: { items: offset === 0 ? ["a"] : [], total: 5 } }), 1);
    expect(shrunk).toEqual({ ok: true, data: ["a"] });
    const failure = { ok: false as const, message: "down" };
    const failed = await readAllPages((offset) => Promise.resolve(offset === 0 ? { ok: true as const, data: { items: ["a"], total: 2 } } : failure), 1);
    expect(failed).toBe(failure);
  });
});
