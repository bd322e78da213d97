// One delegated listener: buttons inside gr.HTML output keep working after every re-render.
document.addEventListener('click', function (ev) {
  var t = ev.target && ev.target.closest ? ev.target : null;
  var copy = t && t.closest('.rag-copy');
  if (copy) {
    var text = copy.getAttribute('data-cite') || '';
    var done = function (word) {
      copy.textContent = word;
      setTimeout(function () { copy.textContent = 'Copy citation'; }, 1500);
    };
    var fallback = function () {
      var box = document.createElement('textarea');
      box.value = text; document.body.appendChild(box); box.select();
      try { document.execCommand('copy'); done('Copied'); } catch (e) { done('Copy failed'); }
      box.remove();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done('Copied'); }, fallback);
    } else { fallback(); }
    return;
  }
  var show = t && t.closest('.rag-show');
  if (show) {
    var n = parseInt(show.getAttribute('data-rank'), 10);
    var radios = document.querySelectorAll('#source-pick input[type=radio]');
    if (radios[n - 1]) { radios[n - 1].click(); radios[n - 1].focus(); }
    var box = document.getElementById('source-pick');
    if (box) { box.scrollIntoView({block: 'start'}); }
  }
});
// Gradio names each radio separately, so arrow keys would not move through the source picker.
document.addEventListener('keydown', function (ev) {
  var keys = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
  var t = ev.target;
  if (!(ev.key in keys) || !t || t.type !== 'radio' || !t.closest('#source-pick')) return;
  var radios = Array.prototype.slice.call(document.querySelectorAll('#source-pick input[type=radio]'));
  var next = radios[(radios.indexOf(t) + keys[ev.key] + radios.length) % radios.length];
  if (next) { ev.preventDefault(); next.focus(); next.click(); }
});
