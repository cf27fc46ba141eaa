/**
 * Form fields with everything a screen reader needs: a visible label on every input, the hint
 * and the error tied to the input by aria-describedby, aria-invalid on a field in error, and
 * the required/optional mark in words (S16.2 names which fields are required).
 */
import type { ComponentChildren, JSX } from "preact";
import { Icon } from "./Icon";

export interface FieldText {
  required: string;
  optional: string;
}

export function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const present = ids.filter((id): id is string => typeof id === "string" && id.length > 0);
  return present.length > 0 ? present.join(" ") : undefined;
}

export function RequirementBadge({ required, text }: { required: boolean; text: FieldText }) {
  return <span class={required ? "badge badge-required" : "badge badge-optional"}>{required ? text.required : text.optional}</span>;
}

export function ErrorText({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <p id={id} class="field-error">
      <Icon name="alert" />
      <span>{children}</span>
    </p>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onInput" | "label" | "required" | "maxLength">;

export interface TextFieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  required: boolean;
  text: FieldText;
  hint?: string | undefined;
  error?: string | JSX.Element | undefined;
  multiline?: boolean;
  maxLength?: number;
}

export function TextField({
  id,
  label,
  value,
  onValue,
  required,
  text,
  hint,
  error,
  multiline = false,
  maxLength,
  ...rest
}: TextFieldProps) {
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const errorId = error === undefined ? undefined : `${id}-error`;
  const common = {
    id,
    name: id,
    value,
    "aria-required": required ? ("true" as const) : undefined,
    "aria-invalid": error === undefined ? undefined : ("true" as const),
    "aria-describedby": describedBy(errorId, hintId),
    maxLength,
  };
  return (
    <div class={error === undefined ? "field" : "field field-invalid"}>
      <label for={id} class="field-label">
        <span>{label}</span>
        <RequirementBadge required={required} text={text} />
      </label>
      {hint !== undefined && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {error !== undefined && errorId !== undefined && <ErrorText id={errorId}>{error}</ErrorText>}
      {multiline ? (
        <textarea
          {...common}
          rows={5}
          onInput={(event) => onValue(event.currentTarget.value)}
        />
      ) : (
        <input {...rest} {...common} onInput={(event) => onValue(event.currentTarget.value)} />
      )}
    </div>
  );
}

/** A group of radios or checkboxes (or the three date selects) under one legend. */
export function FieldGroup({
  id,
  legend,
  required,
  text,
  hint,
  error,
  children,
  class: className,
  role,
}: {
  id: string;
  legend: string;
  required: boolean;
  text: FieldText;
  hint?: string | undefined;
  error?: string | JSX.Element | undefined;
  children: ComponentChildren;
  class?: string;
  /**
   * `radiogroup` for a set of radios: unlike a radio, a radio group may carry aria-invalid and
   * aria-required (WAI-ARIA 1.2), so the whole question is marked.
   */
  role?: "radiogroup";
}) {
  return (
    <fieldset
      id={`${id}-group`}
      role={role}
      aria-invalid={role !== undefined && error !== undefined ? "true" : undefined}
      aria-required={role !== undefined && required ? "true" : undefined}
      class={["field", "field-group", error === undefined ? "" : "field-invalid", className ?? ""].filter(Boolean).join(" ")}
      aria-describedby={describedBy(error !== undefined && `${id}-error`, hint !== undefined && `${id}-hint`)}
    >
      <legend class="field-label">
        <span>{legend}</span>
        <RequirementBadge required={required} text={text} />
      </legend>
      {hint !== undefined && (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      )}
      {error !== undefined && <ErrorText id={`${id}-error`}>{error}</ErrorText>}
      {children}
    </fieldset>
  );
}
