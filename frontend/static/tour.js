// A tour's presentation mode: one stop at a time. ←/→ (and PageUp/PageDown, Space), Home/End move through the stops,
// Esc leaves; the URL's #stop-N follows the shown stop, so a copied link opens that stop.
(() => {
  const root = document.querySelector(".presentation");
  if (!root) return;
  const stops = Array.from(root.querySelectorAll(".tour-stop"));
  const current = root.querySelector(".current");
  const prev = root.querySelector("button.prev");
  const next = root.querySelector("button.next");
  let index = 0;

  const fromHash = () => {
    const found = /^#stop-(\d+)$/.exec(window.location.hash);
    const number = found ? Number(found[1]) : 1;
    return Math.min(Math.max(number, 1), stops.length) - 1;
  };

  const show = (wanted) => {
    index = Math.min(Math.max(wanted, 0), stops.length - 1);
    stops.forEach((stop, i) => { stop.hidden = i !== index; });
    current.textContent = String(index + 1);
    prev.disabled = index === 0;
    next.disabled = index === stops.length - 1;
    const hash = `#stop-${index + 1}`;
    if (window.location.hash !== hash) window.history.replaceState(null, "", hash);
  };

  const keys = {
    ArrowRight: () => show(index + 1),
    PageDown: () => show(index + 1),
    " ": () => show(index + 1),
    ArrowLeft: () => show(index - 1),
    PageUp: () => show(index - 1),
    Home: () => show(0),
    End: () => show(stops.length - 1),
    Escape: () => { window.location.href = root.dataset.leave; },
  };

  document.addEventListener("keydown", (event) => {
    const act = keys[event.key];
    if (!act || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    act();
  });
  prev.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  window.addEventListener("hashchange", () => show(fromHash()));
  root.classList.add("one-at-a-time");
  show(fromHash());
})();
