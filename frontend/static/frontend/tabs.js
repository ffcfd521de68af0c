// A page in tabs: each section names its tab (data-tab); the address's #hash chooses the
// one shown (the first without), so that a tab can be linked to and survives a reload.
export function setUpTabs(nav) {
  if (!nav) return;
  const links = [...nav.querySelectorAll("[data-tab]")];
  const names = links.map((link) => link.dataset.tab);
  const show = () => {
    const wanted = window.location.hash.slice(1);
    const current = names.includes(wanted) ? wanted : names[0];
    for (const link of links) link.setAttribute("aria-selected", String(link.dataset.tab === current));
    for (const section of document.querySelectorAll("section[data-tab]")) {
      section.classList.toggle("tab-away", section.dataset.tab !== current);
    }
  };
  window.addEventListener("hashchange", show);
  show();
}
