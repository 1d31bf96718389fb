#!/bin/sh
# Runs steps.html in WebKitGTK's MiniBrowser under a private Xvfb and prints the step costs.
# Usage: bench/webkit/run.sh   (after `npm run build`, which writes the IIFE it loads)
set -e
here=$(cd "$(dirname "$0")" && pwd)
cp "${IIFE:-$here/../../../runtime-wry/js/switchboard.iife.js}" "$here/switchboard.iife.js"
Xvfb :91 -screen 0 1280x1024x24 >/dev/null 2>&1 & X=$!
sleep 1
python3 "$here/run.py" 8765 & S=$!
DISPLAY=:91 /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser "http://127.0.0.1:8765/${1:-steps.html}" >/dev/null 2>&1 & M=$!
wait $S || true
kill $M $X 2>/dev/null || true
