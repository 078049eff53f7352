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
  var phases = [];
  var tasks = new Map();
  var typingTimers = new Map();

  var $ = function (id) { return document.getElementById(id); };
  var list = $("messages");
  var scroller = $("messages-scroll");
  var statusEl = $("room-status");

  function fmt(template, name) { return template.replace("{name}", name); }
  function status(text) { statusEl.textContent = text; }
  function nameOf(personId) {
    var m = members.find(function (x) { return x.person_id === personId; });
    return m ? m.display_name : "";
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  var socket = io(cfg.namespace, {
    auth: function (cb) { cb({token: token}); },
    // Sticky sessions: nginx hashes this per-tab key to one Tandem process (see README).
    // The page's language also words the replies (refusals, phase names) in the same language.
    query: {affinity: newClientId(), lang: lang},
    reconnectionDelayMax: 10000,
  });
  window.tandemRoomSocket = socket; // room_call.js reports call attendance on it

  socket.on("connect", function () {
    var ask = cursor === null ? {} : {after: Math.max(0, cursor - REWIND)};
    socket.emit("sync", ask, onSync);
  });
  socket.on("disconnect", function () { status(T.offline); });
  socket.on("connect_error", function (err) {
    var data = err && err.data;
    if (data && data.message) {
      status(data.message);
      socket.disconnect(); // refused for a reason: retrying would not help
    } else {
      status(T.offline);
    }
  });
  socket.on("removed", function (data) { status(data.reason); socket.disconnect(); });
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
    $("older").hidden = oldestSeq === null || oldestSeq <= 1;
    phases = ack.phases;
    tasks = new Map(ack.tasks.map(function (t) { return [t.id, t]; }));
    renderMembers(); renderPhases(); renderTasks();
    status(T.connected);
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

  function upsert(msg) {
    if (msg.cursor > (cursor || 0) && cursor !== null) { cursor = msg.cursor; }
    var node = render(msg);
    var old = lines.get(msg.id);
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

  function reportError(ack) {
    var box = $("send-error");
    if (!box) { return; }
    if (ack && !ack.ok) { box.textContent = ack.error.message; box.hidden = false; }
    else { box.hidden = true; }
  }

  function send(clientId, body) {
    socket.timeout(10000).emit("send", {client_id: clientId, body: body}, function (err, ack) {
      if (err) { reportError({ok: false, error: {message: T.not_sent}}); return; }
      reportError(ack);
      if (ack.ok) { pending.delete(clientId); upsert(ack.message); }
      else if (ack.error.code !== "rate_limited") { pending.delete(clientId); }
      else { setTimeout(function () { if (pending.has(clientId)) { send(clientId, body); } },
        Math.max(1000, ack.error.retry_after * 1000)); }
    });
  }

  var form = $("send-form");
  if (form) {
    var input = $("message-input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) { return; }
      var clientId = newClientId();
      pending.set(clientId, body);
      input.value = "";
      socket.emit("typing", {typing: false});
      if (socket.connected) { send(clientId, body); } else { reportError({ok: false, error: {message: T.not_sent}}); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    var typingSent = 0;
    input.addEventListener("input", function () {
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
            if (ack.ok) { tasks.set(ack.task.id, ack.task); renderTasks(); }
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
        if (!ack.ok) { reportError(ack); return; }
        title.value = "";
        tasks.set(ack.task.id, ack.task); renderTasks();
      });
    });
  }

  // A fresh connect token every ten minutes, so a reconnect after a long session still works.
  setInterval(function () {
    if (socket.connected) { socket.emit("refresh", {}, function (ack) { if (ack.ok) { token = ack.token; } }); }
  }, 600000);
})();
