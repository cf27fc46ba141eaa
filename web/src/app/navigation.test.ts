import { describe, expect, it } from "vitest";
import { navigate } from "./navigation";

// Review item 10: a redirect must not add a history entry (Back would land on it again).
describe("navigate", () => {
  it("pushes a page, and replaces it for a redirect", () => {
    window.history.replaceState(null, "", "/staff");
    const start = window.history.length;
    navigate("/staff/roster");
    expect(window.history.length).toBe(start + 1);
    navigate("/staff/roster/a", { replace: true });
    expect(window.location.pathname).toBe("/staff/roster/a");
    expect(window.history.length).toBe(start + 1);
  });
});
