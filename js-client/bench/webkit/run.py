# Serves this folder on 127.0.0.1 and prints what the page POSTs to /result, then exits.
import http.server, os, sys, threading
os.chdir(os.path.dirname(os.path.abspath(__file__)))
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); body = self.rfile.read(n).decode()
        self.send_response(204); self.end_headers(); print(body, flush=True)
        threading.Thread(target=self.server.shutdown).start()
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8765), H)
s.serve_forever()
