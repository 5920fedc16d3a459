/* LG Knowledge Hub: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Move focus to a form's error summary so screen-reader and keyboard users hear the problems first (GOV.UK).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // An error-summary link moves focus to its field and scrolls the field's label into view, not just the input.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) return;
    var anchor = input.closest("fieldset") ? input.closest("fieldset").querySelector("legend") : document.querySelector("label[for='" + input.id + "']");
    event.preventDefault();
    (anchor || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });

  // On phones, the filters of a list page fold away behind their heading so the results come first. They stay open
  // when a filter is in use or in error; without JavaScript (or on wider screens) they are simply shown.
  var narrow = window.matchMedia("(max-width: 40em)");
  var folded = [];
  document.querySelectorAll(".layout-sidebar__aside > .filters").forEach(function (filters) {
    if (!narrow.matches) return;
    var heading = filters.querySelector("h2, h3");
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    details.className = "filters__details";
    summary.textContent = heading ? heading.textContent : "Filters";
    var inUse = Array.prototype.some.call(filters.elements, function (field) {
      if (field.type === "checkbox" || field.type === "radio") return field.checked;
      if (!/^(INPUT|SELECT|TEXTAREA)$/.test(field.tagName)) return false;  // fieldsets and buttons
      if (field.type === "submit" || field.type === "button" || field.type === "hidden") return false;
      return field.value !== "";
    });
    details.open = inUse || filters.querySelector(".error-message") !== null;
    details.appendChild(summary);
    filters.parentNode.insertBefore(details, filters);
    details.appendChild(filters);
    folded.push(details);
  });
  narrow.addEventListener("change", function () {
    if (!narrow.matches) folded.forEach(function (details) { details.open = true; });
  });

  // htmx requests carry Django's CSRF token, read from the cookie (the cookie is not HttpOnly by design).
  document.addEventListener("htmx:configRequest", function (event) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) event.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
  });
})();
