// Tandem team room: chat, presence, notes and tasks over Socket.IO (/rooms namespace).
// Text from people is only ever put in the page with textContent; links are built as <a>
// elements from the server's http(s)-only segments, so typed HTML stays inert.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("room-config").textContent);
  // Times and dates follow the page's language and the viewer's zone (the server's choice),
  // never the browser's locale.
  var lang = (cfg.lang || document.documentElement.lang || "en").replace("_", "-");
  var clock = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", timeZone: cfg.time_zone || "UTC"});
  var longDate = new Intl.DateTimeFormat(lang, {day: "numeric", month: "long", year: "numeric", timeZone: "UTC"});
  var T = cfg.t;
  var token = cfg.token;
  // Edits of older lines can be broadcast slightly out of order across processes; asking
  // again for a few cursor values before the last one seen costs little (lines are upserted
  // by id) and closes that gap.
  var REWIND = 20;
  var cursor = null;
  var me = null;
  var canWrite = false;
  var canModerate = false;
  var members = [];
  var online = new Set();
  var lines = new Map();
  var oldestSeq = null;
  var pending = new Map(); // client id -> body, until the server acknowledged storing it
  // The same, kept in this browser so a reload while offline loses nothing (per person and room).
  var outboxKey = "tandem.outbox." + cfg.outbox_key;
  var stopped = false; // the server said this person may not be here: no more reconnecting
  var retries = 0;
  var retryTimer = null;
  var synced = false; // the first history is in the page (only what comes after is announced)
  var phases = [];
  var tasks = new Map();
  var typingTimers = new Map();

  var $ = function (id) { return document.getElementById(id); };
  var list = $("messages");
  var scroller = $("messages-scroll");
  var statusEl = $("room-status");

  function fmt(template, name) { return template.replace("{name}", name); }
  // Set only when it changes: a live region re-announces every write, even the same words.
  function status(text) { if (statusEl.textContent !== text) { statusEl.textContent = text; } }
  function nameOf(personId) {
    var m = members.find(function (x) { return x.person_id === personId; });
    return m ? m.display_name : "";
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function loadOutbox() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(outboxKey) || "[]");
      saved.forEach(function (entry) { pending.set(String(entry[0]), String(entry[1])); });
    } catch (e) { /* storage blocked (private mode, iframe rules): the page copy still works */ }
  }
  function saveOutbox() {
    try {
      if (pending.size) { window.localStorage.setItem(outboxKey, JSON.stringify(Array.from(pending.entries()))); }
      else { window.localStorage.removeItem(outboxKey); }
    } catch (e) { /* as above */ }
    renderOutbox();
  }
  // Lines waiting to be sent are shown outside the chat log, so they are not announced as said.
  function renderOutbox() {
    var box = $("outbox");
    if (!box) { return; }
    var ul = $("outbox-lines");
    ul.textContent = "";
    pending.forEach(function (body) {
      var li = document.createElement("li"); li.textContent = body; ul.appendChild(li);
    });
    box.hidden = pending.size === 0;
  }
  loadOutbox();
  renderOutbox();

  var socket = io(cfg.namespace, {
    auth: function (cb) { cb({token: token}); },
    // Sticky sessions: nginx hashes this per-tab key to one Tandem process (see README).
    // The page's language also words the replies (refusals, phase names) in the same language.
    query: {affinity: newClientId(), lang: lang},
    reconnectionDelayMax: 10000,
    randomizationFactor: 0.5, // jitter: a network that comes back is not hit by everyone at once
  });
  window.tandemRoomSocket = socket; // room_call.js reports call attendance on it

  var reconnectBox = $("reconnect");
  function offline() {
    if (stopped) { return; }
    status(T.offline);
    if (reconnectBox) { reconnectBox.hidden = false; }
  }
  function stop(text) {
    stopped = true;
    clearTimeout(retryTimer); retryTimer = null;
    status(text);
    if (reconnectBox) { reconnectBox.hidden = true; }
    socket.disconnect();
  }
  // A refused token is an old one (the outage outlasted it): ask the page's web session for a
  // fresh one and connect again, backing off with jitter while that fails too.
  function later(then) {
    if (stopped || retryTimer) { return; }
    var base = Math.min(30000, 1000 * Math.pow(2, retries));
    retries += 1;
    retryTimer = setTimeout(function () { retryTimer = null; then(); }, base / 2 + Math.random() * base / 2);
  }
  function retryLater() { later(reconnect); }
  // Too busy to take the connection (everyone reconnecting after a server restart): the token
  // still holds, so only wait, with jitter, and connect again. Say so in the server's words
  // (the page's language), not "offline": the person's network is fine, and a "Reconnect now"
  // would only add to the crowd, so it stays hidden while the page waits.
  function connectLater(message) {
    if (stopped) { return; }
    status(message || T.busy);
    if (reconnectBox) { reconnectBox.hidden = true; }
    later(function () { if (!socket.connected) { socket.connect(); } });
  }
  function reconnect() {
    if (stopped) { return; }
    clearTimeout(retryTimer); retryTimer = null;
    offline();
    fetch(cfg.token_url, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.ok && data.token) {
            token = data.token;
            if (socket.connected) { return; }
            socket.disconnect(); socket.connect(); // now, not at the next backoff step
          } else if (r.status >= 400 && r.status < 500) {
            stop((data.error && data.error.message) || T.refused);
          } else { retryLater(); }
        });
      })
      .catch(retryLater);
  }
  if (reconnectBox) {
    $("reconnect-now").addEventListener("click", function () { retries = 0; reconnect(); });
  }

  socket.on("connect", function () {
    retries = 0;
    if (reconnectBox) { reconnectBox.hidden = true; }
    var ask = cursor === null ? {} : {after: Math.max(0, cursor - REWIND)};
    socket.emit("sync", ask, onSync);
  });
  socket.on("disconnect", function (reason) {
    offline();
    // The server closed this connection (not the network): the client will not retry itself.
    if (reason === "io server disconnect") { retryLater(); }
  });
  socket.on("connect_error", function (err) {
    var data = err && err.data;
    if (data && (data.code === "expired" || data.code === "invalid" || data.code === "no_token")) {
      reconnect();
    } else if (data && data.code === "busy") {
      connectLater(data.message);
    } else if (data && data.message) {
      stop(data.message); // refused for a reason: retrying would not help
    } else {
      offline();
    }
  });
  socket.on("removed", function (data) { stop(data.reason); });
  socket.on("chat", upsert);
  socket.on("presence", function (data) { online = new Set(data.online); renderMembers(); });
  socket.on("typing", showTyping);
  socket.on("task", function (task) { tasks.set(task.id, task); renderTasks(); });

  function onSync(ack) {
    if (!ack || !ack.ok) { status((ack && ack.error && ack.error.message) || T.refused); return; }
    token = ack.token;
    me = ack.me; canWrite = ack.can_write; canModerate = ack.can_moderate;
    members = ack.members; online = new Set(ack.online);
    document.querySelector('[data-testid="team-name"]').textContent = ack.team_name;
    ack.messages.forEach(upsert);
    cursor = Math.max(cursor || 0, ack.cursor);
    if (ack.more) { socket.emit("sync", {after: cursor}, onSync); return; }
    // The history went in before the box became a log: a screen reader announces only what
    // arrives from now on, not the whole history again.
    if (!synced) { synced = true; scroller.setAttribute("role", "log"); scroller.setAttribute("aria-live", "polite"); }
    $("older").hidden = oldestSeq === null || oldestSeq <= 1;
    phases = ack.phases;
    tasks = new Map(ack.tasks.map(function (t) { return [t.id, t]; }));
    renderMembers(); renderPhases(); renderTasks();
    status(T.connected);
    if (tokenRefresh === null) { tokenRefresh = setInterval(refreshToken, Math.max(1000, cfg.token_seconds * 500)); }
    pending.forEach(function (body, clientId) { send(clientId, body); });
  }

  // ---- chat ---------------------------------------------------------------------------
  function bodyNode(msg) {
    var p = document.createElement("p");
    p.className = "message-body";
    if (msg.hidden) { p.textContent = T.hidden + " " + (msg.hidden_reason || ""); return p; }
    if (msg.deleted) { p.textContent = T.deleted; return p; }
    msg.parts.forEach(function (part) {
      if (part.kind === "link" && /^https?:\/\//i.test(part.href)) {
        var a = document.createElement("a");
        a.href = part.href;
        a.textContent = part.text;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow ugc";
        p.appendChild(a);
      } else {
        p.appendChild(document.createTextNode(part.text));
      }
    });
    return p;
  }

  function actionButton(label, handler) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "link-button"; b.textContent = label;
    b.addEventListener("click", handler);
    return b;
  }

  function render(msg) {
    var li = document.createElement("li");
    li.className = "message" + (msg.author_id === me ? " mine" : "");
    li.dataset.seq = msg.seq;
    li.dataset.id = msg.id;
    var head = document.createElement("p");
    head.className = "message-head";
    var who = document.createElement("strong");
    who.textContent = msg.author_name;
    var when = document.createElement("time");
    when.dateTime = msg.created_at;
    when.textContent = clock.format(new Date(msg.created_at));
    head.append(who, " ", when);
    if (msg.edited && !msg.deleted && !msg.hidden) { head.append(" " + T.edited); }
    li.append(head, bodyNode(msg));
    var live = !msg.deleted && !msg.hidden;
    if (live && canWrite && msg.author_id === me) {
      li.append(actionButton(T.edit, function () {
        var body = window.prompt(T.edit_prompt, msg.body);
        if (body) { socket.emit("edit", {message_id: msg.id, body: body}, reportError); }
      }), actionButton(T.delete, function () {
        if (!window.confirm(T.delete_confirm)) { return; }
        socket.emit("delete", {message_id: msg.id}, reportError);
      }));
    }
    if (live && canModerate) {
      li.append(actionButton(T.hide, function () {
        var reason = window.prompt(T.hide_reason);
        if (reason) { socket.emit("hide", {message_id: msg.id, reason: reason}, reportError); }
      }));
    }
    return li;
  }

  // What a line shows; a line seen again unchanged (catch-up after a reconnect) is left alone,
  // so the log does not announce it a second time.
  function look(msg) {
    return JSON.stringify([msg.body, msg.edited, msg.deleted, msg.hidden, msg.hidden_reason, me, canWrite, canModerate]);
  }
  function upsert(msg) {
    if (msg.cursor > (cursor || 0) && cursor !== null) { cursor = msg.cursor; }
    var old = lines.get(msg.id);
    if (old && old.dataset.look === look(msg)) { return; }
    var node = render(msg);
    node.dataset.look = look(msg);
    lines.set(msg.id, node);
    if (old) { old.replaceWith(node); return; }
    oldestSeq = oldestSeq === null ? msg.seq : Math.min(oldestSeq, msg.seq);
    var after = Array.prototype.find.call(list.children, function (li) {
      return Number(li.dataset.seq) > msg.seq;
    });
    var stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    list.insertBefore(node, after || null);
    if (!after && stick) { scroller.scrollTop = scroller.scrollHeight; }
  }

  // The answer to an edit, delete or hide: shown on this screen at once (the broadcast skips
  // the sender), or its error next to the message box.
  function reportError(ack) {
    var box = $("send-error");
    if (ack && ack.ok && ack.message) { upsert(ack.message); }
    if (!box) { return; }
    if (ack && !ack.ok) { box.textContent = ack.error.message; box.hidden = false; }
    else { box.hidden = true; }
  }

  // Sent with its client id, so sending it again (after a reconnect, a reload or a timeout)
  // never makes a second line: the server answers with the line it already stored.
  function send(clientId, body) {
    if (!socket.connected) { return; }
    socket.timeout(10000).emit("send", {client_id: clientId, body: body}, function (err, ack) {
      if (err) {
        reportError({ok: false, error: {message: T.not_sent}});
        setTimeout(function () { if (pending.has(clientId)) { send(clientId, body); } }, 5000);
        return;
      }
      if (ack.ok) { pending.delete(clientId); saveOutbox(); reportError(ack); }
      else if (ack.error.code !== "rate_limited" && ack.error.code !== "server_error") {
        // It will never go: say so, and give the text back to fix or copy.
        pending.delete(clientId); saveOutbox();
        var input = $("message-input");
        if (input) { input.value = input.value ? body + "\n" + input.value : body; }
        reportError({ok: false, error: {message: ack.error.message + " " + T.kept_in_box}});
      } else {
        // Too fast, or the server could not store it this moment (its database lost or
        // busy): the line stays in the outbox and goes again by itself.
        reportError(ack);
        setTimeout(function () { if (pending.has(clientId)) { send(clientId, body); } },
          Math.max(1000, (ack.error.retry_after || 5) * 1000));
      }
    });
  }

  // What is typed but not sent yet survives a reload too (a flaky connection invites one).
  var draftKey = "tandem.draft." + cfg.outbox_key;
  function keepDraft(text) {
    try { if (text) { window.localStorage.setItem(draftKey, text); } else { window.localStorage.removeItem(draftKey); } }
    catch (e) { /* storage blocked: the text stays in the page */ }
  }
  var form = $("send-form");
  if (form) {
    var input = $("message-input");
    try { if (!input.value) { input.value = window.localStorage.getItem(draftKey) || ""; } } catch (e) { /* as above */ }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) { return; }
      var clientId = newClientId();
      pending.set(clientId, body);
      saveOutbox();
      input.value = "";
      keepDraft("");
      socket.emit("typing", {typing: false});
      if (socket.connected) { send(clientId, body); } else { reportError({ok: false, error: {message: T.not_sent}}); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    var typingSent = 0;
    input.addEventListener("input", function () {
      keepDraft(input.value);
      if (Date.now() - typingSent > 2000) { typingSent = Date.now(); socket.emit("typing", {typing: true}); }
    });
  }

  function showTyping(data) {
    clearTimeout(typingTimers.get(data.person_id));
    if (data.typing) {
      typingTimers.set(data.person_id, setTimeout(function () {
        typingTimers.delete(data.person_id); renderTyping();
      }, 4000));
    } else { typingTimers.delete(data.person_id); }
    renderTyping();
  }
  function renderTyping() {
    $("typing").textContent = Array.from(typingTimers.keys()).map(function (id) {
      return fmt(T.typing, nameOf(id));
    }).join(" ");
  }

  $("older").addEventListener("click", function () {
    socket.emit("history", {before: oldestSeq}, function (ack) {
      if (!ack.ok) { return; }
      ack.messages.forEach(upsert);
      $("older").hidden = ack.messages.length === 0 || oldestSeq <= 1;
    });
  });

  // ---- members ------------------------------------------------------------------------
  function localTime(zone) {
    if (!zone) { return ""; }
    try {
      return new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", timeZone: zone}).format(new Date());
    } catch (e) { return ""; }
  }
  // The cards are rendered by the server (only what each member agreed to share); here they
  // get who is online and each member's clock, kept current.
  function renderMembers() {
    Array.prototype.forEach.call(document.querySelectorAll("#members [data-person-id]"), function (li) {
      var isOnline = online.has(Number(li.dataset.personId));
      li.classList.toggle("online", isOnline);
      li.querySelector("[data-presence]").textContent = isOnline ? T.online : T.offline_member;
      var clock = li.querySelector("[data-local-time]");
      var time = localTime(li.dataset.timeZone);
      if (clock && time) { clock.textContent = time; }
    });
  }
  setInterval(renderMembers, 60000);

  // ---- notes: web/static/src/notes.js (a Yjs document on this socket) ----------------

  // ---- tasks --------------------------------------------------------------------------
  function renderPhases() {
    var select = $("task-phase");
    if (!select) { return; }
    select.textContent = "";
    phases.forEach(function (p) {
      var o = document.createElement("option"); o.value = p.key; o.textContent = p.title;
      select.appendChild(o);
    });
  }
  function renderTasks() {
    var box = $("tasks");
    // Rebuilding the list must not drop the person's focus to the page's top.
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    fillTasks(box);
    if (focused && $(focused)) { $(focused).focus(); }
  }
  function taskStatus(text) {
    var el = $("task-status");
    if (el && el.textContent !== text) { el.textContent = text; }
  }
  /* The task form's fields by the payload key a refusal names; anything else is the title's. */
  var TASK_FIELDS = {phase_key: "task-phase", title: "task-title", due_on: "task-due"};
  function taskError(ack) {
    var el = $("task-error");
    if (!el) { return; }
    Object.keys(TASK_FIELDS).forEach(function (key) {
      var input = $(TASK_FIELDS[key]);
      if (input) { input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby"); }
    });
    if (ack && !ack.ok) {
      var field = $(TASK_FIELDS[ack.error.field] || "task-title");
      field.parentNode.appendChild(el);  /* right under the field it is about */
      el.textContent = ack.error.message; el.hidden = false;
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", "task-error");
      taskStatus(ack.error.message);  /* polite: the person keeps typing where they are */
      field.focus();
    } else { el.hidden = true; el.textContent = ""; }
  }
  function fillTasks(box) {
    box.textContent = "";
    if (tasks.size === 0) { var none = document.createElement("p"); none.className = "hint"; none.textContent = T.no_tasks; box.appendChild(none); return; }
    phases.forEach(function (phase) {
      var mine = Array.from(tasks.values()).filter(function (t) { return t.phase_key === phase.key; });
      if (!mine.length) { return; }
      var h = document.createElement("h3"); h.textContent = phase.title; box.appendChild(h);
      var ul = document.createElement("ul"); ul.className = "tasks";
      mine.forEach(function (t) {
        var li = document.createElement("li");
        var id = "task-" + t.id;
        var box2 = document.createElement("input");
        box2.type = "checkbox"; box2.id = id; box2.checked = t.state === "done"; box2.disabled = !canWrite;
        box2.addEventListener("change", function () {
          socket.emit("task_update", {task_id: t.id, state: box2.checked ? "done" : "open", assignee_id: t.assignee_id}, function (ack) {
            if (ack.ok) {
              tasks.set(ack.task.id, ack.task); renderTasks();
              taskStatus(fmt(ack.task.state === "done" ? T.task_done : T.task_open, ack.task.title));
            }
          });
        });
        var label = document.createElement("label");
        label.htmlFor = id;
        var extra = [];
        if (t.due_on) { extra.push(longDate.format(new Date(t.due_on + "T12:00:00Z"))); }
        if (t.assignee_id) { extra.push(nameOf(t.assignee_id)); }
        if (t.done_by) { extra.push(fmt(T.done_by, t.done_by)); }
        label.textContent = t.title + (extra.length ? " (" + extra.join(", ") + ")" : "");
        li.append(box2, " ", label);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }
  var taskForm = $("task-form");
  if (taskForm) {
    taskForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var title = $("task-title");
      socket.emit("task_add", {phase_key: $("task-phase").value, title: title.value, due_on: $("task-due").value || null}, function (ack) {
        taskError(ack);
        if (!ack.ok) { return; }
        title.value = "";
        tasks.set(ack.task.id, ack.task); renderTasks();
        taskStatus(fmt(T.task_added, ack.task.title));
      });
    });
  }

  // A fresh connect token at half its life while connected, so a short outage reconnects at
  // once; after a longer one the page asks for a fresh token (reconnect above).
  var tokenRefresh = null;
  function refreshToken() {
    if (socket.connected) { socket.emit("refresh", {}, function (ack) { if (ack && ack.ok) { token = ack.token; } }); }
  }
})();
