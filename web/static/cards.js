// loaxa: every table of the staff site turns into cards on a phone
// (app.css, below 600 px); each cell shows its column's name, copied here
// from the table's header when the page did not write it (data-label).
(function () {
  'use strict';
  document.querySelectorAll('main table').forEach(function (table) {
    var heads = [].map.call(table.querySelectorAll('thead th'), function (th) { return th.textContent.trim(); });
    if (!heads.length) return;
    table.classList.add('cards');
    table.querySelectorAll('tbody tr').forEach(function (tr) {
      [].forEach.call(tr.children, function (td, i) {
        if (!td.hasAttribute('data-label') && heads[i]) td.setAttribute('data-label', heads[i]);
      });
    });
  });
})();
