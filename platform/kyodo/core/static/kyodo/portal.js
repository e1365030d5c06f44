// Kyodo portal: progressive enhancement only — every page works without this file (docs/ui.md).
// A confirmation written as <details class="kd-confirm"> (components/confirm.html) opens as a modal
// <dialog> instead: the same form, moved into the dialog, with a キャンセル button that closes it.
(function () {
  "use strict";
  function enhance(root) {
    if (typeof HTMLDialogElement === "undefined") return;
    root.querySelectorAll("details.kd-confirm:not([data-enhanced])").forEach(function (details) {
      details.setAttribute("data-enhanced", "1");
      var summary = details.querySelector("summary");
      var body = details.querySelector(".kd-confirm__body");
      if (!summary || !body) return;
      var dialog = document.createElement("dialog");
      dialog.className = "kd-dialog";
      var titleId = (details.id || "kd-confirm") + "-title";
      dialog.setAttribute("aria-labelledby", titleId);
      var title = document.createElement("h2");
      title.id = titleId;
      title.textContent = summary.textContent.replace(/…$/, "");
      dialog.appendChild(title);
      dialog.appendChild(body);
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "kd-button--secondary";
      cancel.textContent = "キャンセル";
      cancel.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(cancel);
      var open = document.createElement("button");
      open.type = "button";
      open.className = "kd-button--secondary";
      open.textContent = summary.textContent;
      open.addEventListener("click", function () { dialog.showModal(); });
      details.replaceWith(open);
      open.after(dialog);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
})();
