// Names shown for the API's codes, in the page's language.
import { gettext } from "./dom.js";

export const ROLE_LABELS = {
  manager: gettext("Project manager"),
  reviewer: gettext("Reviewer"),
  annotator: gettext("Annotator"),
  client: gettext("Client"),
};
