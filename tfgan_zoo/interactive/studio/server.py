"""The studio's HTTP server: the page at `/`, the models' studio metadata at `/studio/models.json`, and `/v1/...`
forwarded to a TF-Serving REST API (`api_url`), so the page talks to one origin whichever server runs the models."""

from __future__ import annotations

import http.server
import json
import os
import socketserver
import threading
import urllib.error
import urllib.request

from tfgan_zoo.interactive.studio import PAGE

STUDIO_FILE = os.path.join("assets.extra", "studio.json")


def studio_models(base_dir) -> list:
    """`[{name, version, ...studio.json}]` for each model under `base_dir` whose latest version has studio metadata."""
    out = []
    if not base_dir or not os.path.isdir(base_dir):
        return out
    for name in sorted(os.listdir(base_dir)):
        model_dir = os.path.join(base_dir, name)
        if name.startswith(".") or not os.path.isdir(model_dir):
            continue
        versions = sorted(int(v) for v in os.listdir(model_dir) if v.isdigit())
        if not versions:
            continue
        meta_path = os.path.join(model_dir, str(versions[-1]), STUDIO_FILE)
        if os.path.isfile(meta_path):
            with open(meta_path) as f:
                out.append({"name": name, "version": versions[-1], **json.load(f)})
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body: bytes, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        req = urllib.request.Request(self.server.api_url + self.path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.server.timeout_s) as r:
                self._send(r.status, r.read())
        except urllib.error.HTTPError as e:
            self._send(e.code, e.read())
        except (urllib.error.URLError, OSError) as e:
            self._send(502, json.dumps({"error": f"model server {self.server.api_url} unreachable: {e}"}).encode())

    def do_GET(self):
        if self.path in ("/", "/index.html") or self.path.startswith("/?"):
            with open(PAGE, "rb") as f:
                self._send(200, f.read(), "text/html; charset=utf-8")
        elif self.path == "/studio/models.json":
            self._send(200, json.dumps({"models": studio_models(self.server.base_dir)}).encode())
        elif self.path.startswith("/v1/"):
            self._forward("GET")
        else:
            self._send(404, json.dumps({"error": f"no such page {self.path}; the studio is at /"}).encode())

    def do_POST(self):
        if self.path.startswith("/v1/"):
            self._forward("POST")
        else:
            self._send(404, json.dumps({"error": f"POST {self.path}: only /v1/... is accepted"}).encode())


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class StudioServer:
    """Serves the studio page on `host:port` (0 = a free port) for the models under `base_dir`, forwarding the REST
    API to `api_url` (e.g. the zoo's local server's `rest_url` or a TF Serving at http://host:8501)."""

    def __init__(self, base_dir, api_url, host="127.0.0.1", port=0, timeout_s=120.0):
        self._server = _Server((host, int(port)), _Handler)
        self._server.base_dir, self._server.api_url = base_dir, api_url.rstrip("/")
        self._server.timeout_s = timeout_s
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="tfgan-zoo-studio", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
