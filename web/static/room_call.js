/* Tandem team call: the provider's Jitsi IFrame API in the room page, and attendance.
 * The call's joined/left events go to the room socket (room.js exposes it), which records
 * them for completion rules. Leaving the page counts as leaving: the server closes the
 * stretch when this page's socket disconnects. */
(function () {
  "use strict";
  var cfgNode = document.getElementById("call-config");
  var parent = document.getElementById("call-frame");
  if (!cfgNode || !parent || typeof window.JitsiMeetExternalAPI !== "function") { return; }
  var cfg = JSON.parse(cfgNode.textContent);
  var inCall = false;

  function report(event) {
    var socket = window.tandemRoomSocket;
    if (socket) { socket.emit("call", {event: event}, function () {}); }
  }

  var api = new window.JitsiMeetExternalAPI(cfg.domain, {
    roomName: cfg.room,
    jwt: cfg.jwt || undefined,
    parentNode: parent,
    width: "100%",
    height: 420,
    userInfo: {displayName: cfg.name},
  });
  var frame = api.getIFrame();
  frame.setAttribute("title", cfg.title);
  // The API sets these too; say it here so no provider version can leave them out.
  frame.setAttribute("allow", "camera; microphone; display-capture; autoplay; clipboard-write");

  api.addListener("videoConferenceJoined", function () { inCall = true; report("joined"); });
  api.addListener("videoConferenceLeft", function () { inCall = false; report("left"); });
  // After a dropped room connection the server closed the stretch: open a new one.
  if (window.tandemRoomSocket) {
    window.tandemRoomSocket.on("connect", function () { if (inCall) { report("joined"); } });
  }
})();
