// Names shown for the API's codes, in the page's language.
import { gettext, interpolate } from "./dom.js";

export const ROLE_LABELS = {
  manager: gettext("Project manager"),
  reviewer: gettext("Reviewer"),
  annotator: gettext("Annotator"),
  client: gettext("Client"),
};

// Work out for rework: returned to me, or (where I review or manage) all of it.
export function returnedNote(counts) {
  if (!counts) return "";
  const parts = [];
  if (counts.mine) parts.push(interpolate(gettext("%s returned to you"), [counts.mine]));
  if (counts.all) parts.push(interpolate(gettext("%s out for rework"), [counts.all]));
  return parts.join(" · ");
}
