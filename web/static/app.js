// loaxa: the little JavaScript the staff site needs, with no framework.
// Everything it shows is set with textContent, never as HTML.
(function () {
  'use strict';

  // --- compose: live count, preview and next times ------------------------
  var form = document.getElementById('compose');
  if (form) {
    var repeat = form.querySelector('#repeat');
    var showRepeat = function () {
      var kind = repeat.value;
      form.querySelectorAll('[data-for]').forEach(function (el) {
        el.hidden = el.getAttribute('data-for') !== kind;
      });
    };
    repeat.addEventListener('change', showRepeat);
    showRepeat();

    var timer = null;
    var render = function (p) {
      var counter = form.querySelector('[data-counter]');
      counter.textContent = 'Nội dung ' + p.body_chars + ' ký tự · tin nhắn ' + p.message_chars +
        ' ký tự, ' + p.parts.length + ' phần' + (p.parts.length > 1 ? ' (Zalo nhận tối đa 2000 ký tự một tin)' : '');
      var box = form.querySelector('[data-bubbles]');
      box.textContent = '';
      p.parts.forEach(function (text) {
        var b = document.createElement('div');
        b.className = 'bubble pre';
        b.textContent = text;
        box.appendChild(b);
      });
      form.querySelector('[data-when]').textContent = p.when;
      var next = form.querySelector('[data-next]');
      next.textContent = '';
      if (p.schedule_error) {
        var e = document.createElement('p');
        e.className = 'field-error';
        e.textContent = p.schedule_error;
        next.appendChild(e);
      } else if (p.next && p.next.length) {
        var h = document.createElement('p');
        h.textContent = '5 lần gửi tới:';
        var ol = document.createElement('ol');
        p.next.forEach(function (t) {
          var li = document.createElement('li');
          li.textContent = t;
          ol.appendChild(li);
        });
        next.appendChild(h);
        next.appendChild(ol);
      }
    };
    var refresh = function () {
      var data = new URLSearchParams();
      new FormData(form).forEach(function (v, k) {
        // The kept image (a refused form's) is not needed for the preview.
        if (typeof v === 'string' && k !== 'image_kept') { data.append(k, v); }
      });
      fetch(form.getAttribute('data-preview-url'), {
        method: 'POST', body: data, credentials: 'same-origin',
        headers: { 'X-CSRF-Token': form.querySelector('[name=csrf_token]').value }
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) { if (p) { render(p); } })
        .catch(function () {});
    };
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    };
    form.addEventListener('input', later);
    form.addEventListener('change', later);
    refresh();
  }

  // --- live per-hamlet progress --------------------------------------------
  var boxes = document.querySelectorAll('[data-progress-ids]');
  if (boxes.length) {
    var ids = [];
    boxes.forEach(function (b) { ids = ids.concat(b.getAttribute('data-progress-ids').split(',')); });
    var poll = function () {
      fetch('/dashboard/progress.json?ids=' + encodeURIComponent(ids.join(',')), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var busy = false;
          data.notices.forEach(function (n) {
            var art = document.querySelector('[data-notice="' + n.id + '"]');
            if (!art) { return; }
            if (!n.done) { busy = true; }
            art.querySelector('[data-sent]').textContent = n.sent;
            art.querySelector('[data-status]').textContent = n.status_label;
            n.hamlets.forEach(function (h) {
              var li = art.querySelector('[data-hamlet="' + h.id + '"]');
              if (!li) { return; }
              var st = li.querySelector('[data-state]');
              st.textContent = h.label;
              st.className = 'state st-' + h.state;
              li.querySelector('[data-parts]').textContent = h.parts;
              li.querySelector('[data-error]').textContent = h.error || '';
            });
          });
          if (busy) { setTimeout(poll, 2000); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  }
})();
