// Tandem team room: the shared notes, edited together live. A Yjs document holds the text;
// the textarea is bound to it by a small diff (what changed between the common prefix and
// suffix becomes one delete and one insert), and the document syncs over the room's
// Socket.IO connection (realtime/notes.py) with the server's pycrdt copy. Bundled by esbuild
// into web/static/vendor/notes.bundle.js (make install); room.js opens the socket.
import * as Y from "yjs";

const LOCAL = "local";
const REMOTE = "remote";
const SEND_DELAY_MS = 150; // typing within this window travels as one change

function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
  return bytes;
}

function isHigh(code) { return code >= 0xd800 && code <= 0xdbff; }
function isLow(code) { return code >= 0xdc00 && code <= 0xdfff; }

// The one edit that turns `old` into `now`, never splitting a surrogate pair (an emoji).
export function diff(old, now) {
  let start = 0;
  const max = Math.min(old.length, now.length);
  while (start < max && old.charCodeAt(start) === now.charCodeAt(start)) { start += 1; }
  if (start > 0 && isHigh(old.charCodeAt(start - 1))) { start -= 1; }
  let endOld = old.length;
  let endNew = now.length;
  while (endOld > start && endNew > start && old.charCodeAt(endOld - 1) === now.charCodeAt(endNew - 1)) {
    endOld -= 1; endNew -= 1;
  }
  if (endOld < old.length && isLow(old.charCodeAt(endOld))) { endOld += 1; endNew += 1; }
  return {index: start, remove: endOld - start, insert: now.slice(start, endNew)};
}

// Where a caret moves when a remote change (a Yjs delta) lands before or around it.
function shift(position, delta) {
  let at = 0;
  let pos = position;
  for (const op of delta) {
    if (op.retain) { at += op.retain; }
    else if (op.insert) {
      const n = op.insert.length;
      if (at < pos) { pos += n; }
      at += n;
    } else if (op.delete) {
      if (at < pos) { pos -= Math.min(op.delete, pos - at); }
    }
    if (at > pos) { break; }
  }
  return pos;
}

function start(socket) {
  const area = document.getElementById("note-input");
  const statusEl = document.getElementById("note-status");
  if (!area) { return; }
  const T = JSON.parse(document.getElementById("room-config").textContent).t;
  const doc = new Y.Doc();
  const text = doc.getText("notes");
  const canWrite = !area.readOnly;
  let synced = false;
  let queue = [];
  let timer = null;
  let inFlight = false;

  function status(message) { if (statusEl.textContent !== message) { statusEl.textContent = message; } }

  // Textarea -> document.
  area.addEventListener("input", () => {
    if (!canWrite) { return; }
    const edit = diff(text.toString(), area.value);
    if (!edit.remove && !edit.insert) { return; }
    doc.transact(() => {
      if (edit.remove) { text.delete(edit.index, edit.remove); }
      if (edit.insert) { text.insert(edit.index, edit.insert); }
    }, LOCAL);
  });

  // Document -> textarea, keeping the caret where the writer left it.
  text.observe((event, transaction) => {
    if (transaction.origin === LOCAL) { return; }
    const focused = document.activeElement === area;
    const from = shift(area.selectionStart, event.delta);
    const to = shift(area.selectionEnd, event.delta);
    area.value = text.toString();
    if (focused) { area.setSelectionRange(from, to); }
  });

  // Local changes -> server, a few at a time, one change in flight.
  function schedule() {
    if (timer === null) { timer = setTimeout(flush, SEND_DELAY_MS); }
  }
  function flush() {
    timer = null;
    if (!queue.length || !synced || inFlight || !socket.connected) { return; }
    const update = Y.mergeUpdates(queue);
    queue = [];
    inFlight = true;
    socket.timeout(10000).emit("note_update", {update: toBase64(update)}, (err, ack) => {
      inFlight = false;
      if (err) { synced = false; if (socket.connected) { sync(); } return; } // resync resends
      if (!ack.ok) { status(ack.error.message); return; }
      if (queue.length) { schedule(); } else { status(T.saved); }
    });
  }
  doc.on("update", (update, origin) => {
    if (origin === REMOTE || !canWrite) { return; }
    queue.push(update);
    if (!socket.connected) { status(T.note_offline); }
    schedule();
  });

  // Sync on every (re)connect: get what we lack, then send what the server lacks (this
  // includes anything typed offline or lost in flight).
  function sync() {
    const state = Y.encodeStateVector(doc);
    socket.emit("note_sync", {state: toBase64(state)}, (ack) => {
      if (!ack || !ack.ok) { status((ack && ack.error && ack.error.message) || T.refused); return; }
      Y.applyUpdate(doc, fromBase64(ack.update), REMOTE);
      synced = true;
      if (!canWrite) { return; }
      const missing = Y.encodeStateAsUpdate(doc, fromBase64(ack.state));
      queue = missing.length > 2 ? [missing] : []; // [0, 0]: the server has it all
      if (queue.length) { flush(); } else if (statusEl.textContent === T.note_offline) { status(""); }
    });
  }
  socket.on("connect", sync);
  socket.on("disconnect", () => { synced = false; });
  socket.on("note_update", (data) => { Y.applyUpdate(doc, fromBase64(data.update), REMOTE); });
  if (socket.connected) { sync(); }
}

if (window.tandemRoomSocket) { start(window.tandemRoomSocket); }
