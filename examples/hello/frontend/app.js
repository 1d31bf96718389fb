// The hello frontend, shared by both windows. It talks to Rust only through
// `window.switchboard` (the client the runtime injects before this script runs).
(function () {
  'use strict';
  const sb = window.switchboard;
  const $ = (id) => document.getElementById(id);
  const me = document.body.dataset.window;

  function showError(e) {
    $('error').textContent = (e && e.code ? e.code + ': ' : '') + (e && e.message ? e.message : String(e));
  }

  if (!sb) {
    showError(new Error('window.switchboard is missing (the JS client was not built into the app)'));
    return;
  }

  async function greet(name) {
    const reply = await sb.invoke('cmd:greet', { name });
    $('reply').textContent = reply;
    $('error').textContent = '';
    return reply;
  }

  const greetForm = $('greet-form');
  if (greetForm) {
    greetForm.addEventListener('submit', (event) => {
      event.preventDefault();
      greet($('name').value).catch(showError);
    });
  }

  const openSecond = $('open-second');
  if (openSecond) {
    openSecond.addEventListener('click', () => {
      sb.invoke('cmd:open_second', {}).catch(showError);
    });
  }

  // the two windows talk through one topic; each shows what the other said
  sb.listen('hello/chat', (message) => {
    const item = document.createElement('li');
    item.textContent = (message.from === me ? 'me' : message.from) + ': ' + message.text;
    $('messages').appendChild(item);
  }).catch(showError);

  $('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('chat').value.trim();
    if (!text) return;
    $('chat').value = '';
    sb.emit('hello/chat', { from: me, text }).catch(showError);
  });

  // `cargo xtask demo`: greet by ourselves, then tell Rust the reply is on screen
  if (me === 'main') {
    sb.invoke('cmd:autorun', {}).then(async (on) => {
      if (!on) return;
      $('name').value = 'Switchboard';
      const reply = await greet('Switchboard');
      requestAnimationFrame(() => requestAnimationFrame(() => {
        sb.invoke('cmd:demo_shown', { reply }).catch(showError);
      }));
    }).catch(showError);
  }
})();
