/** The "required"/"optional" words every staff form field shows next to its label. */
import { useStaffText } from "../i18n/context";

export function useFieldText(): { readonly required: string; readonly optional: string } {
  const { t } = useStaffText();
  return { required: t("staff.required"), optional: t("staff.optional") };
}
