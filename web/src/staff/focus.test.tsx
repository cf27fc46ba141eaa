import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { afterEach, describe, expect, it } from "vitest";
import { useEditorFocus } from "./useEditorFocus";

afterEach(() => cleanup());

function Form({ onClose }: { onClose: () => void }) {
  const heading = useEditorFocus<HTMLHeadingElement>(true);
  return (
    <section>
      <h2 ref={heading} tabIndex={-1}>
        Edit account
      </h2>
      <input aria-label="Name" />
      <button type="button" onClick={onClose}>
        Cancel
      </button>
    </section>
  );
}

function Page() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Edit
      </button>
      {Array.from({ length: 30 }, (_, index) => (
        <p key={index}>row {index}</p>
      ))}
      {open && <Form onClose={() => setOpen(false)} />}
    </>
  );
}

// Review item 20: edit forms opened far from their button, and closing them lost the focus.
describe("useEditorFocus", () => {
  it("moves the focus to the form's heading when it opens and back to its button when it closes", () => {
    render(<Page />);
    const edit = screen.getByRole("button", { name: "Edit" });
    edit.focus();
    fireEvent.click(edit);
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Edit account" }));
    const cancel = screen.getByRole("button", { name: "Cancel" });
    cancel.focus();
    fireEvent.click(cancel);
    expect(document.activeElement).toBe(edit);
  });
});
