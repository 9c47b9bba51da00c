// chargecheck's live view: follows the run's events (Server-Sent Events from /events) and
// draws the station, the script's rows, the current wait, the frames, the findings, the
// operator's prompts and, at the end, the reports. The vocabulary of the events is in
// chargecheck/web/live.py. No library, no build step.
"use strict";

(() => {
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const tokenHeaders = token ? { "X-Chargecheck-Token": token } : {};
  const $ = (id) => document.getElementById(id);

  let clockOffset = 0; // the server's clock minus this browser's, in ms
  let lastSeq = -1;
  const rows = new Map(); // row id -> its <tr>
  const prompts = new Map(); // pending prompt id -> its event
  const waits = new Map(); // "row|what" -> the wait event
  const frames = new Map(); // journal entry id -> the frame event
  const actions = new Set();
  let frameCount = 0;

  // -- helpers -------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const serverNow = () => Date.now() + clockOffset;
  const secondsLeft = (event) =>
    Math.max(0, Math.ceil((event.at + event.seconds * 1000 - serverNow()) / 1000));

  function clockText(ms) {
    const d = new Date(ms);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  function setState(state, text) {
    const node = $("run-state");
    node.dataset.state = state;
    node.textContent = text || state;
  }

  function outcomeClass(outcome) {
    return String(outcome).toLowerCase().replace(/\s+/g, "-");
  }

  // -- the run and the station ---------------------------------------------------------

  // A pack's title names the station and the Central System as placeholders.
  const titleParts = { title: "", model: "", central_system: "chargecheck" };

  function drawTitle() {
    $("title").textContent = titleParts.title.replace(/\{(\w+)\}/g, (whole, name) =>
      titleParts[name] ? titleParts[name] : name === "model" ? "the station" : whole,
    );
  }

  function onRun(e) {
    titleParts.title = e.title || `chargecheck run ${e.run_id}`;
    drawTitle();
    $("pack").textContent = e.pack ? `${e.pack} · run ${e.run_id}` : `run ${e.run_id}`;
    document.title = `chargecheck — run ${e.run_id}`;
    const body = $("script").tBodies[0];
    body.replaceChildren();
    rows.clear();
    for (const row of e.rows || []) {
      const criteria = Array.isArray(row.criteria) ? row.criteria.join(" ") : row.criteria || "";
      const outcome = el("span", { class: "outcome waiting", "data-outcome": "waiting" }, "waiting");
      const tr = el(
        "tr",
        { "data-row": row.id, "data-state": "waiting" },
        el("td", { class: "id" }, row.id),
        el(
          "td",
          { class: "function" },
          el("div", { class: "name" }, row.function),
          criteria ? el("details", {}, el("summary", {}, "criteria"), el("p", {}, criteria)) : null,
          el(
            "details",
            { class: "judged-box", open: "", hidden: "" },
            el("summary", {}, el("span", { class: "judged-count" }, "0"), " judged"),
            el("ul", { class: "judged" }),
          ),
        ),
        el("td", { class: "result" }, outcome, el("div", { class: "result-text" })),
      );
      rows.set(String(row.id), tr);
      body.append(tr);
    }
  }

  function onStation(e) {
    if (e.identity) $("station-identity").textContent = e.identity;
    const model = [e.vendor, e.model].filter(Boolean).join(" ");
    if (model) $("station-model").textContent = model;
    if (e.model) {
      titleParts.model = e.model;
      drawTitle();
    }
    if (e.firmware) $("station-firmware").textContent = e.firmware;
    if (e.security_profile !== undefined && e.security_profile !== null)
      $("station-security").textContent = e.security_profile;
    if (e.connected !== undefined) {
      const node = $("station-connected");
      node.dataset.connected = e.connected ? "yes" : "no";
      node.textContent = e.connected ? "connected" : "disconnected";
    }
  }

  // -- rows and criteria ---------------------------------------------------------------

  function setOutcome(tr, outcome, text) {
    tr.dataset.state = outcome;
    const node = tr.querySelector("[data-outcome]");
    node.dataset.outcome = outcome;
    node.className = "outcome " + outcomeClass(outcome);
    node.textContent = text || outcome;
  }

  function onRowStart(e) {
    const tr = rows.get(String(e.id));
    if (!tr) return;
    setOutcome(tr, "running");
    if ($("frame-follow").checked) scrollWithin($("script-box"), tr);
  }

  function scrollWithin(box, node) {
    // Only a box that scrolls by itself (a wide screen) follows; the page never jumps.
    if (box.scrollHeight <= box.clientHeight + 1 || getComputedStyle(box).overflowY === "visible") return;
    const above = Math.min(box.clientHeight / 3, 240); // the rows just judged stay in view
    box.scrollTop += node.getBoundingClientRect().top - box.getBoundingClientRect().top - above;
  }

  function onCriterion(e) {
    const tr = rows.get(String(e.row));
    if (!tr) return;
    const key = `${e.name}|${e.connector ?? ""}`;
    const list = tr.querySelector("ul.judged");
    let li = [...list.children].find((node) => node.dataset.key === key);
    if (!li) {
      li = el("li", { "data-criterion": e.name, "data-key": key });
      list.append(li);
      tr.querySelector(".judged-count").textContent = list.children.length;
      tr.querySelector("details.judged-box").hidden = false;
    }
    li.dataset.judged = e.outcome;
    li.className = outcomeClass(e.outcome);
    const evidence = (e.evidence || []).map((id) =>
      el("button", { type: "button", class: "entry-link", "data-goto": id }, `#${id}`),
    );
    li.replaceChildren(
      el("b", {}, e.outcome),
      " ",
      e.name,
      e.connector ? ` (connector ${e.connector})` : "",
      e.detail ? `: ${e.detail}` : "",
      ...evidence.flatMap((b) => [" ", b]),
    );
  }

  function onRowEnd(e) {
    const tr = rows.get(String(e.id));
    if (!tr) return;
    setOutcome(tr, e.outcome);
    tr.querySelector(".result-text").textContent = e.result || "";
    // A row that passed folds its criteria away; any other outcome keeps them in view.
    tr.querySelector("details.judged-box").open = e.outcome !== "PASS";
    for (const key of [...waits.keys()]) if (key.startsWith(`${e.id}|`)) waits.delete(key);
    drawWait();
  }

  // -- the current wait ----------------------------------------------------------------

  function onWait(e) {
    waits.set(`${e.row}|${e.what}`, e);
    drawWait();
  }

  function onWaitEnd(e) {
    waits.delete(`${e.row}|${e.what}`);
    drawWait();
  }

  function drawWait() {
    const node = $("wait");
    const latest = [...waits.values()].pop();
    if (!latest) {
      node.hidden = true;
      return;
    }
    node.hidden = false;
    node.dataset.row = latest.row;
    node.textContent = `waiting for ${latest.what}, ${secondsLeft(latest)} s left`;
  }

  // -- frames --------------------------------------------------------------------------

  const MESSAGE_TYPES = { 2: "CALL", 3: "CALLRESULT", 4: "CALLERROR" };
  const ARROWS = { in: "←", out: "→", event: "•" };

  function onFrame(e) {
    frames.set(String(e.entry), e);
    frameCount += 1;
    $("frame-count").textContent = frameCount;
    const action = e.action || e.kind || "";
    if (action && !actions.has(action)) {
      actions.add(action);
      const select = $("frame-filter");
      const options = [...select.options].slice(1).map((o) => o.value);
      options.push(action);
      options.sort();
      const chosen = select.value;
      select.replaceChildren(
        el("option", { value: "" }, "all"),
        ...options.map((a) => el("option", { value: a }, a)),
      );
      select.value = chosen;
    }
    const type = MESSAGE_TYPES[e.message_type] || e.message_type || e.kind || "";
    const li = el(
      "li",
      {
        "data-entry": e.entry,
        "data-direction": e.direction,
        "data-action": action,
        class: e.direction,
        tabindex: "0",
      },
      el("span", { class: "time" }, clockText(e.at)),
      el("span", { class: "dir", title: e.direction }, ARROWS[e.direction] || e.direction),
      el("span", { class: "action" }, action),
      el("span", { class: "type" }, type),
    );
    const filter = $("frame-filter").value;
    li.hidden = Boolean(filter) && filter !== action;
    const list = $("frames");
    list.append(li);
    if ($("frame-follow").checked && !li.hidden) list.scrollTop = list.scrollHeight;
  }

  function showFrame(entry) {
    const e = frames.get(String(entry));
    if (!e) return;
    for (const node of document.querySelectorAll("#frames li.chosen")) node.classList.remove("chosen");
    const li = document.querySelector(`#frames li[data-entry="${CSS.escape(String(entry))}"]`);
    if (li) {
      li.classList.add("chosen");
      li.hidden = false;
      scrollWithin($("frames"), li);
    }
    const kind =
      e.direction === "event" ? e.kind || "event" : `${MESSAGE_TYPES[e.message_type] || "frame"} ${e.direction}`;
    $("frame-meta").replaceChildren(
      el("span", { "data-field": "entry" }, `entry ${e.entry}`),
      " · ",
      el("span", { "data-field": "kind" }, kind),
      " · ",
      el("span", { "data-field": "station" }, e.station || "–"),
      " · ",
      el("span", { "data-field": "time" }, new Date(e.at).toISOString()),
    );
    let text = e.raw ?? (e.detail ? JSON.stringify(e.detail) : "");
    try {
      text = JSON.stringify(typeof text === "string" ? JSON.parse(text) : text, null, 2);
    } catch {
      // not JSON (a malformed frame is shown as it came)
    }
    $("frame-json").textContent = text;
    $("frame-detail").hidden = false;
    $("frame-detail").dataset.entry = e.entry;
  }

  function applyFilter() {
    const filter = $("frame-filter").value;
    for (const li of $("frames").children) li.hidden = Boolean(filter) && li.dataset.action !== filter;
  }

  // -- prompts -------------------------------------------------------------------------

  function onPrompt(e) {
    prompts.set(e.id, e);
    drawPrompt();
  }

  function onPromptEnd(e) {
    const shown = $("prompt").dataset.prompt;
    prompts.delete(e.id);
    const said = $("prompt-outcome");
    said.hidden = false;
    said.dataset.prompt = e.id;
    said.dataset.by = e.by;
    said.dataset.done = e.done ? "yes" : "no";
    const how = e.done ? "done" : "not done";
    said.textContent = `Step ${e.id}: ${how}, answered by the ${e.by}${e.detail ? ` (${e.detail})` : ""}.`;
    if (String(e.id) === shown) drawPrompt();
  }

  function drawPrompt() {
    const box = $("prompt");
    const next = [...prompts.values()][0];
    if (!next) {
      box.hidden = true;
      delete box.dataset.prompt;
      return;
    }
    if (box.dataset.prompt === String(next.id) && !box.hidden) return;
    box.dataset.prompt = next.id;
    // What the step is, for a tester's tool (or a test) that does it on a simulator.
    box.dataset.kind = next.kind || "";
    box.dataset.connector = next.connector ?? "";
    box.dataset.idTag = next.id_tag || "";
    box.hidden = false;
    $("prompt-instruction").textContent = next.instruction;
    $("prompt-said").textContent = "";
    for (const button of box.querySelectorAll("button")) button.disabled = false;
    drawPromptClock();
  }

  function drawPromptClock() {
    const next = prompts.get(Number($("prompt").dataset.prompt));
    $("prompt-left").textContent = next && next.seconds ? `${secondsLeft(next)} s left` : "";
  }

  async function answer(choice) {
    const box = $("prompt");
    const id = box.dataset.prompt;
    if (!id) return;
    for (const button of box.querySelectorAll("button")) button.disabled = true;
    $("prompt-said").textContent = "sending…";
    try {
      const response = await fetch(`/prompts/${encodeURIComponent(id)}${query}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...tokenHeaders },
        body: JSON.stringify({ answer: choice }),
      });
      const body = await response.json().catch(() => ({ said: response.statusText }));
      $("prompt-said").textContent = response.ok ? `sent: ${choice}` : body.said || `${response.status}`;
      if (!response.ok && response.status !== 409)
        for (const button of box.querySelectorAll("button")) button.disabled = false;
    } catch (error) {
      $("prompt-said").textContent = `not sent: ${error}`;
      for (const button of box.querySelectorAll("button")) button.disabled = false;
    }
  }

  // -- findings, progress, reports, end ------------------------------------------------

  function onFinding(e) {
    const evidence = (e.evidence || []).map((id) =>
      el("button", { type: "button", class: "entry-link", "data-goto": id }, `#${id}`),
    );
    $("findings").append(
      el(
        "li",
        { "data-severity": e.severity, "data-rule": e.rule, class: e.severity },
        el("b", {}, e.severity),
        " ",
        el("code", {}, e.rule),
        " ",
        e.message,
        ...evidence.flatMap((b) => [" ", b]),
      ),
    );
    $("finding-count").textContent = $("findings").children.length;
  }

  function onSay(e) {
    const log = $("log");
    log.append(el("li", {}, el("span", { class: "time" }, clockText(e.at)), " ", e.text));
    while (log.children.length > 300) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  function onReports(e) {
    const list = $("reports");
    list.replaceChildren();
    for (const [format, name] of Object.entries(e.files || {})) {
      const href = `/reports/${encodeURIComponent(name)}${query}`;
      list.append(el("li", { "data-format": format }, el("a", { href, target: "_blank" }, name), ` (${format})`));
    }
    $("reports-box").hidden = false;
  }

  function onEnd(e) {
    setState("finished", "finished");
    const summary = $("summary");
    summary.hidden = false;
    summary.textContent = e.summary || "";
    prompts.clear();
    drawPrompt();
    waits.clear();
    drawWait();
  }

  const HANDLERS = {
    run: onRun,
    station: onStation,
    row_start: onRowStart,
    criterion: onCriterion,
    row_end: onRowEnd,
    wait: onWait,
    wait_end: onWaitEnd,
    frame: onFrame,
    say: onSay,
    prompt: onPrompt,
    prompt_end: onPromptEnd,
    finding: onFinding,
    reports: onReports,
    end: onEnd,
  };

  // -- the stream ----------------------------------------------------------------------

  function follow() {
    const source = new EventSource(`/events${query}`);
    source.addEventListener("clock", (message) => {
      clockOffset = JSON.parse(message.data).now - Date.now();
    });
    source.onopen = () => {
      if ($("run-state").dataset.state !== "finished") setState("live", "live");
    };
    source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      document.body.dataset.seq = event.seq;
      const handle = HANDLERS[event.type];
      if (handle) handle(event);
      if (event.type === "end") source.close();
    };
    source.onerror = () => {
      if ($("run-state").dataset.state === "finished") return;
      if (source.readyState === EventSource.CLOSED) {
        setState("gone", "the bench is not answering (or refused this page: open the URL it printed)");
      } else {
        setState("reconnecting", "reconnecting…");
      }
    };
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-answer], [data-goto], #frames li");
    if (!target) return;
    if (target.dataset.answer) answer(target.dataset.answer);
    else if (target.dataset.goto) showFrame(target.dataset.goto);
    else showFrame(target.dataset.entry);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("#frames li")) showFrame(event.target.dataset.entry);
  });
  $("frame-filter").addEventListener("change", applyFilter);
  setInterval(() => {
    drawWait();
    drawPromptClock();
  }, 500);
  follow();
})();
