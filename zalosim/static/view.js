// Keep the simulated chat fresh: scroll to the newest message, reload every 5 s.
(function () {
  var end = document.getElementById("end");
  if (end) { end.scrollIntoView(); }
  setTimeout(function () { location.reload(); }, 5000);
})();
