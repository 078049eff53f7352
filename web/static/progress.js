// A job's progress page: fetch the counts every two seconds and swap them in, until the
// server says the job finished (its partial then has no data-poll). Without JavaScript the
// page's Refresh link does the same by hand.
(function () {
  "use strict";
  function poll() {
    var region = document.getElementById("job-progress");
    var url = region && region.getAttribute("data-poll");
    if (!url) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#job-progress");
        if (!fresh) { return; }
        // Replace the contents, not the region, so screen readers keep the live region.
        region.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-poll")) { window.setTimeout(poll, 2000); }
        else { region.removeAttribute("data-poll"); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
