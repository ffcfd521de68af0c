//# allFunctionsCalledOnLoad
// Small DOM helpers. Text always goes in through textContent, never innerHTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value; // the CSSOM: allowed by the CSP
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Django's JavaScript catalog (/jsi18n/) defines a global gettext; named so that makemessages
// finds the strings.
export const gettext = (text) =>
  typeof globalThis.gettext === "function" ? globalThis.gettext(text) : text;

// Django's interpolate(), or the same for "%s" where the catalog is not loaded.
export function interpolate(format, values) {
  if (typeof globalThis.interpolate === "function") return globalThis.interpolate(format, values);
  return values.reduce((text, value) => text.replace("%s", value), format);
}
