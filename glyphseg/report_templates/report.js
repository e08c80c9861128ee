(function () {
  'use strict';
  var boxes = document.querySelectorAll('.controls input[data-class]');
  Array.prototype.forEach.call(boxes, function (box) {
    var apply = function () {
      var on = box.checked;
      if (box.dataset.invert === '1') { on = !on; }
      document.body.classList.toggle(box.dataset.class, !on);
    };
    box.addEventListener('change', apply);
    apply();
  });
  var status = document.getElementById('font-status');
  if (status && document.fonts) {
    document.fonts.ready.then(function () {
      var state = 'missing';
      document.fonts.forEach(function (f) {
        if (f.family.replace(/["']/g, '') === FAMILY) { state = f.status; }
      });
      status.dataset.state = state;
      if (state === 'loaded') {
        status.textContent = 'font loaded';
        status.className = 'ok';
      } else {
        status.textContent = 'the font did not load (' + state + '): the lines above are not set in it';
        status.className = 'bad';
      }
    });
  }
}());
