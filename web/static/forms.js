/* Forms sent back with errors (WCAG 3.3.1, 4.1.3): the error summary is focused so it is read
   first; each of its links moves focus to the field it names (for a group such as a grid of
   checkboxes, its first focusable control). After a save, the outcome is focused instead. */
(function () {
  "use strict";
  var first = document.getElementById("form-error") || document.getElementById("outcome");
  if (first) { first.focus(); }

  var focusable = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex='-1'])";

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    if (!target.matches(focusable)) {
      /* A roving grid keeps one stop with tabindex=0: prefer it, else the first control. */
      target = target.querySelector("[tabindex='0']") || target.querySelector(focusable) || target;
    }
    event.preventDefault();
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({block: "center"}); }
  });
})();
