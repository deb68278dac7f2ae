"""A real, local, OpenAI-compatible chat server with canned replies.

It stands in for the user's LLM (Qwen or DeepSeek behind vLLM, Ollama, Xinference), because none can run
here: no internet, no weights. It speaks the same HTTP as those servers (POST /v1/chat/completions, JSON or
SSE streaming), so the real ``openai`` client and the real code paths are exercised. The model name in
the request chooses the behaviour: a canned reply from ``replies``, or ``slow`` (answers after ``delay``
seconds), ``broken`` (HTTP 500).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECE = 5  # characters per streamed delta


class FakeLLM:
    def __init__(self, replies: dict[str, str] | None = None, delay: float = 3.0):
        self.replies = dict(replies or {})
        self.delay = delay
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fake.requests.append(body)
                model = body.get("model", "")
                try:
                    if model == "broken":
                        self._json(500, {"error": {"message": "internal error", "type": "server_error"}})
                        return
                    if model == "slow":
                        time.sleep(fake.delay)
                    text = fake.replies.get(model, "")
                    if body.get("stream"):
                        self._stream(model, text)
                    else:
                        self._json(200, {"id": "x", "object": "chat.completion", "created": 0, "model": model,
                                         "choices": [{"index": 0, "finish_reason": "stop",
                                                      "message": {"role": "assistant", "content": text}}]})
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    pass

            def _json(self, status: int, obj: dict):
                data = json.dumps(obj, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, model: str, text: str):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for i in range(0, len(text), PIECE):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {"content": text[i:i + PIECE]}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                end = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model,
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
