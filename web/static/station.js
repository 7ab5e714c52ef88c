// The station display: polls its state every 400 ms, shows the last outcome, beeps on a refusal
// once armed by a click (browsers allow sound only after a gesture). No framework, no inline code.
(function () {
  "use strict";
  var root = document.getElementById("station");
  if (!root) { return; }
  var url = root.getAttribute("data-state");
  var outcome = document.getElementById("outcome");
  var last = outcome.getAttribute("data-scan") || "";
  var audio = null;
  var arm = document.getElementById("arm");
  var busy = false;

  function beep() {
    if (!audio) { return; }
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = 440;
    gain.gain.value = 0.2;
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.45);
  }

  arm.addEventListener("click", function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    audio = audio || new Ctx();
    audio.resume();
    arm.classList.add("armed");
    arm.setAttribute("aria-pressed", "true");
    document.getElementById("armed-text").classList.remove("hidden");
    root.setAttribute("data-armed", "1");
  });

  function text(id, value) { document.getElementById(id).textContent = value || ""; }

  function localTime(iso) {
    return iso ? iso.replace("T", " ").slice(0, 16) : "";
  }

  function show(state) {
    var s = document.getElementById("session");
    s.textContent = "";
    var span = document.createElement("span");
    if (state.session) {
      span.className = "person";
      span.textContent = state.session.person + (state.session.approver ? " · " + state.session.approver : "");
    } else {
      span.className = "none";
      span.textContent = s.getAttribute("data-none") || root.getAttribute("data-none") || "—";
    }
    s.appendChild(span);
    var l = state.last;
    if (!l) { return; }
    if (l.scan_id !== last) {
      last = l.scan_id;
      outcome.className = "outcome " + l.state;
      outcome.setAttribute("data-scan", l.scan_id);
      text("word", l.word);
      text("message", l.message);
      text("when", localTime(l.at));
      var list = document.getElementById("recent");
      list.textContent = "";
      state.recent.forEach(function (r) {
        var li = document.createElement("li");
        li.className = r.state;
        li.textContent = localTime(r.at) + " · " + r.word + " · " + r.message;
        list.appendChild(li);
      });
      if (l.state === "refused") { beep(); }
    }
  }

  function poll() {
    if (busy) { return; }
    busy = true;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { show(state); } })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  var none = document.querySelector("#session .none");
  if (none) { root.setAttribute("data-none", none.textContent); }
  setInterval(poll, 400);

  var form = document.getElementById("emulate");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) { return r.json(); }).then(function (j) {
        if (j && j.state) { show(j.state); }
      }).catch(function () {});
      form.querySelector("input[name=code]").value = "";
    });
  }
}());
