// CCC console, live parts (branch waiting): the queue keeps what the agent selected, and follows
// the server's events stream (/console/events) without a reload. No inline scripts (CSP).
(function () {
  "use strict";

  function selected() { return document.querySelectorAll(".select-row:checked").length > 0; }

  // A refresh of the queue's rows must not drop the tickets the agent has selected.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "queue-rows" && selected()) { event.preventDefault(); }
  });
})();
