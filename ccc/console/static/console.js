// CCC console: small progressive enhancements. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";

  // GSM 03.38 basic set; anything else (Arabic, Kurdish, emoji) makes the SMS UCS-2.
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXT = "^{}\\[~]|€";

  function smsParts(text) {
    var gsm = true, units = 0;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (GSM.indexOf(ch) >= 0) { units += 1; }
      else if (GSM_EXT.indexOf(ch) >= 0) { units += 2; }
      else { gsm = false; break; }
    }
    if (!gsm) {
      units = 0;
      for (var c of text) { units += c.length; }  // UCS-2 code units: emoji count twice
      return { chars: units, parts: units <= 70 ? (units ? 1 : 0) : Math.ceil(units / 67), ucs2: true };
    }
    return { chars: units, parts: units <= 160 ? (units ? 1 : 0) : Math.ceil(units / 153), ucs2: false };
  }
  window.cccSmsParts = smsParts;

  // Numbers in the page's digits (docs/translations.md): the server names the locale, with its
  // numbering system, in <meta name="ccc-number-locale">, e.g. "ar-IQ-u-nu-arab".
  var root = document.documentElement;
  var named = document.querySelector("meta[name=ccc-number-locale]");
  var numbers = new Intl.NumberFormat((named && named.content) || root.lang || "en");
  var plurals = new Intl.PluralRules(root.lang || "en");
  window.cccNumber = function (n) { return numbers.format(n); };
  window.cccNumberLocale = numbers.resolvedOptions().locale;

  // A counted phrase in the reader's plural form: the server gives one per CLDR category.
  function counted(forms, n) {
    var text = forms[plurals.select(n)] || forms.other;
    return text.replace("%(n)s", numbers.format(n));
  }

  function counter(area) {
    var out = document.getElementById("segments");
    if (!out) { return; }
    var words = JSON.parse(out.getAttribute("data-words"));
    var sms = area.getAttribute("data-sms") === "yes";
    var info = smsParts(area.value);
    var text = counted(words.characters, info.chars);
    if (sms) {
      var sizes = info.ucs2 ? [70, 67] : [160, 153];
      text += " · " + counted(words.segments, info.parts) +
        " (" + numbers.format(sizes[0]) + "/" + numbers.format(sizes[1]) + ")";
    }
    out.textContent = text;
    out.setAttribute("data-parts", String(info.parts));
  }

  // Saved replies: the picker holds each text already in the ticket's language, its reference
  // filled in. Enter or "Insert" puts it at the cursor; "/" in the empty reply box opens it.
  function insertAtCursor(area, text) {
    var start = area.selectionStart || 0, end = area.selectionEnd || 0;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  }

  function savedReplies(area) {
    var picker = document.getElementById("saved-reply");
    var button = document.getElementById("saved-insert");
    if (!area || !picker) { return; }
    function insert() {
      var option = picker.options[picker.selectedIndex];
      if (!option || !option.value) { picker.focus(); return; }
      insertAtCursor(area, option.getAttribute("data-text"));
      picker.selectedIndex = 0;
    }
    if (button) { button.addEventListener("click", insert); }
    picker.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); insert(); }
      else if (event.key === "Escape") { event.preventDefault(); area.focus(); }
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "/" && area.value === "" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        picker.focus();
      }
    });
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }

  document.addEventListener("DOMContentLoaded", function () {
    var area = document.getElementById("reply-text");
    if (area) {
      area.addEventListener("input", function () { counter(area); });
      counter(area);
    }
    savedReplies(area);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  });

  // Keyboard: j/k move through the queue, Enter opens, r jumps to the reply box.
  var current = -1;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var list = rows();
    if ((event.key === "j" || event.key === "k") && list.length) {
      current = Math.max(0, Math.min(list.length - 1, current + (event.key === "j" ? 1 : -1)));
      list.forEach(function (row, i) { row.classList.toggle("focused", i === current); });
      var link = list[current].querySelector("a");
      if (link) { link.focus(); }
      event.preventDefault();
    } else if (event.key === "r") {
      var reply = document.getElementById("reply-text");
      if (reply) { reply.focus(); event.preventDefault(); }
    }
  });
})();

// Dashboard charts: the data sits in a data-chart attribute beside the table that shows it.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.Chart === "undefined") { return; }
  var rtl = document.documentElement.dir === "rtl";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data = JSON.parse(canvas.getAttribute("data-chart"));
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#0b5cad" }] },
      options: { animation: false, locale: window.cccNumberLocale,
        plugins: { legend: { display: false }, title: { display: false } },
        scales: {
          x: { reverse: rtl, ticks: { autoSkip: false }, title: { display: !!data.x, text: data.x } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!data.y, text: data.y } }
        } }
    });
  });
});
