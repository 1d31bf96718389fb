// The bridge benchmark page (tests/bridge_bench.rs drives it): only the label, no
// automatic subscription, so the page's first use decides the push path.
document.getElementById('label').textContent = new URLSearchParams(location.search).get('w') || '?';
