// Un tableau plus large que son cadre défile horizontalement (DSFR : « .fr-table table »,
// en bloc qui défile) : il doit alors pouvoir recevoir le focus, sinon on ne peut pas le faire
// défiler au clavier (RGAA 7.3, WCAG 2.1.1 ; règle axe « scrollable-region-focusable »).
// Le balisage récent du DSFR fait défiler « .fr-table__content » plutôt que le tableau.
// Seuls les tableaux qui défilent deviennent un arrêt de tabulation ; son nom est sa légende.
(function () {
  "use strict";

  function rendreAtteignables() {
    document.querySelectorAll(".fr-table table, .fr-table__content").forEach(function (table) {
      var defile = table.scrollWidth > table.clientWidth + 1;
      if (defile && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-clas-defile", "");
      } else if (!defile && table.hasAttribute("data-clas-defile")) {
        table.removeAttribute("tabindex");
        table.removeAttribute("data-clas-defile");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", rendreAtteignables);
  window.addEventListener("load", rendreAtteignables);
  window.addEventListener("resize", rendreAtteignables);
  document.addEventListener("htmx:afterSettle", rendreAtteignables);
})();
