// The availability grid as one Tab stop (roving tabindex): arrow keys move between times,
// Home/End go to the row's ends, Space ticks (the checkbox's own behaviour), D ticks or clears
// the whole day (column) and R the whole row of times. Without JavaScript it stays a table of
// ordinary checkboxes.
(function () {
  "use strict";
  var table = document.querySelector("table.grid[data-roving]");
  if (!table) { return; }
  var T = JSON.parse(document.getElementById("grid-config").textContent);
  var statusEl = document.getElementById("grid-status");
  var rows = Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
    return Array.prototype.slice.call(tr.querySelectorAll('input[type="checkbox"]'));
  });
  var all = [].concat.apply([], rows);
  if (!all.length) { return; }
  var current = all.find(function (b) { return b.checked; }) || all[0];
  all.forEach(function (b) { b.tabIndex = b === current ? 0 : -1; });

  function take(box) { current.tabIndex = -1; box.tabIndex = 0; current = box; }
  function where(box) {
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(box);
      if (c >= 0) { return [r, c]; }
    }
    return null;
  }
  // Tick the whole set, or clear it when it is all ticked already; say what happened.
  function toggle(boxes, name) {
    var on = !boxes.every(function (b) { return b.checked; });
    boxes.forEach(function (b) { b.checked = on; });
    statusEl.textContent = (on ? T.all_on : T.all_off).replace("{name}", name);
  }
  table.addEventListener("focusin", function (event) {
    if (all.indexOf(event.target) >= 0) { take(event.target); }
  });
  table.addEventListener("keydown", function (event) {
    var at = where(event.target);
    if (!at || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var r = at[0], c = at[1], to = null;
    switch (event.key) {
      case "ArrowRight": to = rows[r][c + 1]; break;
      case "ArrowLeft": to = rows[r][c - 1]; break;
      case "ArrowDown": to = rows[r + 1] && rows[r + 1][c]; break;
      case "ArrowUp": to = rows[r - 1] && rows[r - 1][c]; break;
      case "Home": to = rows[r][0]; break;
      case "End": to = rows[r][rows[r].length - 1]; break;
      case "d": case "D":
        toggle(rows.map(function (row) { return row[c]; }),
          table.tHead.rows[0].cells[c + 1].querySelector("abbr").title);
        break;
      case "r": case "R":
        toggle(rows[r], table.tBodies[0].rows[r].cells[0].textContent);
        break;
      default: return;
    }
    event.preventDefault();
    if (to) { take(to); to.focus(); }
  });
})();
