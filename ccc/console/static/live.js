// CCC console, live parts: the queue and the ticket page follow the server's events stream
// (/console/events) without a reload; a person writing on a ticket assigned to the agent
// brings a browser notification and a short sound, each of which the agent can turn off.
// Polling (hx-trigger "every N s") stays as the fallback. No inline scripts (CSP).
(function () {
  "use strict";

  var store = window.localStorage;
  function setting(name, fallback) {
    var value = store ? store.getItem("ccc." + name) : null;
    return value === null ? fallback : value === "on";
  }
  function remember(name, on) { if (store) { store.setItem("ccc." + name, on ? "on" : "off"); } }

  function selected() { return document.querySelectorAll(".select-row:checked").length > 0; }

  // A refresh of the queue's rows must not drop the tickets the agent has selected.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "queue-rows" && selected()) { event.preventDefault(); }
  });

  var pending = {};
  function refresh(id) {
    // Several events in a burst make one request; the element re-reads its own hx-get.
    if (pending[id]) { return; }
    pending[id] = setTimeout(function () {
      pending[id] = null;
      var elt = document.getElementById(id);
      if (!elt || !window.htmx) { return; }
      if (id === "queue-rows" && selected()) { return; }
      window.htmx.ajax("GET", elt.getAttribute("hx-get"), { target: "#" + id, swap: "outerHTML" });
    }, 150);
  }

  function openTicket() {
    var timeline = document.getElementById("timeline");
    if (!timeline) { return null; }
    var match = /\/console\/tickets\/([^/]+)\/timeline/.exec(timeline.getAttribute("hx-get") || "");
    return match ? match[1] : null;
  }

  // The person's new message, out of view: a cue beside the reply box takes the agent to it
  // and goes once the message has been seen. The reply box is never touched (its draft stays).
  // The timeline is re-drawn whole, so the message is remembered by its place among the
  // person's messages, not by its element.
  var personMessages = -1, unseen = -1, watcher = null;
  function personMessage(index) {
    var messages = document.querySelectorAll("#timeline li.msg-in");
    var message = messages[index];
    if (!message) { return null; }
    // A turn folded with the chatbot's: the folded line is what can be seen.
    var folded = message.closest("details:not([open])");
    return folded ? folded.querySelector("summary") : message;
  }
  function inView(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < (window.innerHeight || document.documentElement.clientHeight);
  }
  function hideCue() {
    var cue = document.getElementById("new-message-cue");
    if (cue) { cue.hidden = true; }
    if (watcher) { watcher.disconnect(); watcher = null; }
    unseen = -1;
  }
  function watch(target) {
    if (!window.IntersectionObserver) { return; }
    if (watcher) { watcher.disconnect(); }
    watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { hideCue(); }
    });
    watcher.observe(target);
  }
  function checkNewMessages() {
    var timeline = document.getElementById("timeline");
    var cue = document.getElementById("new-message-cue");
    if (!timeline || !cue) { return; }
    var count = timeline.querySelectorAll("li.msg-in").length;
    var before = personMessages;
    personMessages = count;
    if (before >= 0 && count > before) { unseen = count - 1; }
    var target = unseen >= 0 ? personMessage(unseen) : null;
    if (!target || inView(target)) { hideCue(); return; }
    cue.hidden = false;
    watch(target);
  }
  document.addEventListener("htmx:afterSettle", checkNewMessages);
  document.addEventListener("click", function (event) {
    var cue = event.target && event.target.closest && event.target.closest("#new-message-cue");
    var target = cue && unseen >= 0 ? personMessage(unseen) : null;
    if (!target) { return; }
    target.scrollIntoView({ block: "center" });
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus({ preventScroll: true });
    hideCue();
  });

  // The sound is a short file played by an <audio> element (ping.wav, 0.18 s at 880 Hz): a
  // Web Audio oscillator made at each event started suspended until the page's next click,
  // and nothing outside could tell whether it sounded. The browser may still refuse to play
  // on a page nobody has clicked yet (autoplay policy): the notification then comes alone.
  var ping = null;
  function beep() {
    try {
      if (!ping) { ping = new Audio("/console/static/ping.wav"); ping.volume = 0.4; }
      ping.currentTime = 0;
      var played = ping.play();
      if (played && played.catch) { played.catch(function () { /* refused: no sound */ }); }
    } catch (e) { /* no sound device: the notification remains */ }
  }

  function notify(live, data) {
    if (setting("sound", true)) { beep(); }
    if (setting("notify", false) && window.Notification && Notification.permission === "granted") {
      new Notification(live.getAttribute("data-title"), { body: data.reference, tag: "ccc-" + data.reference });
    }
  }

  function controls(live) {
    var bell = document.getElementById("live-notify"), sound = document.getElementById("live-sound");
    function show() {
      bell.setAttribute("aria-pressed", String(setting("notify", false)));
      sound.setAttribute("aria-pressed", String(setting("sound", true)));
    }
    bell.addEventListener("click", function () {
      var on = !setting("notify", false);
      remember("notify", on);
      if (on && window.Notification && Notification.permission === "default") {
        Notification.requestPermission().then(show);
      }
      show();
    });
    sound.addEventListener("click", function () { remember("sound", !setting("sound", true)); show(); });
    show();
    live.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    checkNewMessages();  // counts the messages already there
    var live = document.getElementById("live");
    if (!live || !window.EventSource) { return; }
    if (!document.getElementById("queue-rows") && !document.getElementById("timeline")) { return; }
    controls(live);
    var state = document.getElementById("live-state");
    var source = new EventSource("/console/events");
    source.addEventListener("ready", function () {
      state.textContent = state.getAttribute("data-on");
      document.documentElement.setAttribute("data-live", "on");
    });
    source.addEventListener("error", function () {
      state.textContent = state.getAttribute("data-off");
      document.documentElement.setAttribute("data-live", "off");
    });
    source.addEventListener("ended", function () { source.close(); });
    source.addEventListener("ticket", function (event) {
      var data = JSON.parse(event.data);
      if (document.getElementById("queue-rows")) { refresh("queue-rows"); }
      if (data.reference === openTicket()) { refresh("timeline"); }
      if (data.kind === "message" && data.direction === "in" && data.mine) { notify(live, data); }
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  });
})();
