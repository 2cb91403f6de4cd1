"""A Flowscope agent over HTTP, standard library only: PORT=9000 python3 agent.py, then
npx flowscope serve --agent-url mine=http://127.0.0.1:9000/run"""
import json, os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Agent(BaseHTTPRequestHandler):
    def do_POST(self):
        run = json.loads(self.rfile.read(int(self.headers["Content-Length"])))  # run_id, input, history, tools...
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        def send(type, **payload):  # one event per line, written as it happens
            self.wfile.write((json.dumps({"type": type, "payload": payload}) + "\n").encode())
        try:
            text = run["input"]["content"]
            send("agent_thinking", thought=f"Counting words ({len(run['history'])} earlier messages)", step=1)
            call, start = run["run_id"] + ":wc-1", time.monotonic()
            send("tool_executing", tool="word_count", call_id=call, args={"text": text})
            words = len(text.split())
            ms = round((time.monotonic() - start) * 1000)
            send("tool_completed", tool="word_count", call_id=call, ok=True, result={"words": words}, duration_ms=ms)
            send("agent_completed", status="succeeded", response=f"Your message has {words} words.", error=None)
        except Exception as err:  # the run ends failed with this error
            send("agent_completed", status="failed", response=None, error=str(err))

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "9000"))), Agent)
print(f"agent listening on http://127.0.0.1:{server.server_address[1]}/run", flush=True)
server.serve_forever()
