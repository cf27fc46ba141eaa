/**
 * A translated template with an element in it (e.g. "（{kana}）" / "({kana})" around a
 * `<span lang="ja">`): the template is translated with `SLOT` as the value, and the element
 * takes the slot's place, so the punctuation stays the language's and the data keeps its lang.
 */
import type { ComponentChildren } from "preact";

export const SLOT = "\u0000";

export function Slotted({ text, children }: { text: string; children: ComponentChildren }) {
  const [before = "", ...rest] = text.split(SLOT);
  return (
    <>
      {before}
      {rest.length > 0 && children}
      {rest.join("")}
    </>
  );
}
