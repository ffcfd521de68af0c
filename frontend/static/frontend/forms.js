// Forms that call the API: the submit button is disabled while the call runs (a double
// click sends one request), and a refusal is shown, in the page's language, in the form's
// .error element.
import { showError } from "./pages.js";

export function onSubmit(form, action) {
  const error = form.querySelector(".error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, null);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(button);
    } catch (failure) {
      showError(error, failure);
    } finally {
      button.disabled = false;
    }
  });
}
