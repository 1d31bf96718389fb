// The e2e page: a greet button, and a log of `news` events.
(function () {
  const $ = (id) => document.getElementById(id);
  $('label').textContent = new URLSearchParams(location.search).get('w') || 'main';
  $('greet').addEventListener('click', async () => {
    try {
      $('reply').textContent = await SB.invoke('cmd:greet', { name: $('name').value });
    } catch (e) {
      $('error').textContent = e.code + ': ' + e.message;
    }
  });
  window.newsSeen = [];
  window.listening = SB.listen('news', (text) => {
    window.newsSeen.push(text);
    $('news').textContent = window.newsSeen.join(',');
  }).then(() => 'ok', (e) => e.code + ': ' + e.message);
})();
