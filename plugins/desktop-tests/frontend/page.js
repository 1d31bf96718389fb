// The desktop tests' page: asks the app which plugin it tests, listens to that plugin's
// events, and reports everything it sees to the app (`cmd:seen`), which prints it for the
// test to read. The page hears the events as any app page would.
(function () {
  const log = (text) => { document.getElementById('log').textContent += text + '\n'; };
  const report = (what, value) => {
    log(what + ' ' + JSON.stringify(value));
    return SB.invoke('cmd:seen', { what, value: JSON.stringify(value === undefined ? null : value) });
  };
  const topics = {
    menu: ['menu/export/clicked', 'menu/autosave/clicked', 'menu/copy/clicked'],
    'single-instance': ['single-instance/launched'],
    shortcut: ['global-shortcut/pressed'],
    tray: ['menu/show/clicked'],
  };
  (async () => {
    const mode = await SB.invoke('cmd:mode', {});
    document.getElementById('mode').textContent = mode;
    for (const topic of topics[mode] || []) {
      await SB.listen(topic, (value) => report(topic, value));
    }
    if (mode === 'shortcut') {
      await SB.invoke('plugin:global-shortcut', { shortcut: 'ctrl+shift+F8' }, 'register');
    }
    if (mode === 'tray') {
      // the Rust side creates the tray; change it from the page and read it back
      const state = async () => SB.invoke('plugin:tray', { id: 'main' }, 'state');
      let before = null;
      while (before === null) before = await state().catch(() => null);
      await SB.invoke('plugin:tray', { id: 'main', tooltip: 'changed by the page' }, 'set_tooltip');
      await SB.invoke('plugin:tray', { id: 'main', visible: false }, 'set_visible');
      await report('tray', { before, after: await state() });
    }
    if (mode === 'menu') {
      // items changed at run time, after the first click on the check item
      await SB.listen('menu/autosave/clicked', async () => {
        await SB.invoke('plugin:menu', { id: 'autosave', checked: false }, 'set_checked');
        await SB.invoke('plugin:menu', { id: 'export', enabled: false }, 'set_enabled');
        await SB.invoke('plugin:menu', { id: 'export', text: 'Export (off)' }, 'set_text');
        const autosave = await SB.invoke('plugin:menu', { id: 'autosave' }, 'state');
        const exported = await SB.invoke('plugin:menu', { id: 'export' }, 'state');
        await report('states', { autosave, export: exported });
      });
    }
    await report('ready', mode);
    if (mode === 'dialog') {
      const path = await SB.invoke('plugin:dialog', { title: 'Export notes', default_name: 'export.txt' }, 'save');
      await report('chosen', path);
      // the chosen path is in this page's fs scope now, and nothing else is
      const denied = await SB.invoke('plugin:fs', { path: path + '.other', contents: 'x' }, 'write_text')
        .then(() => 'allowed', (e) => e.code);
      await report('other-path', denied);
      await SB.invoke('plugin:fs', { path, contents: 'exported by the page' }, 'write_text');
      await report('written', path);
      // an open dialog: the picked file joins the scope for reading too
      const opened = await SB.invoke('plugin:dialog', { title: 'Open notes' }, 'open');
      await report('opened', opened);
      await report('read', await SB.invoke('plugin:fs', { path: opened[0] }, 'read_text'));
      await report('asked', await SB.invoke('plugin:dialog', { title: 'Question', message: 'Keep the export?' }, 'ask'));
    }
  })().catch((e) => report('error', (e.code || '') + ': ' + (e.message || String(e))));
})();
