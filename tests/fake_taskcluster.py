"""A loopback stand-in for the Taskcluster Queue and Index endpoints the code calls.

It serves the real URL layout (`/api/queue/v1/...`, `/api/index/v1/...`) from data a
test puts in it, and records every request, so tests can check what was asked.
"""

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@dataclass
class FakeTask:
    task_id: str
    label: str
    group: str
    state: str = "completed"
    dependencies: list[str] = field(default_factory=list)
    artifacts: dict[tuple[int, str], bytes] = field(default_factory=dict)  # (run id, name) -> content

    def definition(self) -> dict:
        return {"metadata": {"name": self.label}, "dependencies": self.dependencies, "taskGroupId": self.group}


class FakeTaskcluster:
    def __init__(self):
        self.tasks: dict[str, FakeTask] = {}
        self.requests: list[str] = []
        self.triggered: list[tuple[str, str, dict]] = []  # hook group, hook id, payload
        self.objects: dict[str, bytes] = {}  # object service: name -> content
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(f"GET {self.path}")
                self._answer(*server.get(unquote(self.path.split("?")[0])))

            def do_POST(self):
                server.requests.append(f"POST {self.path}")
                self._answer(*server.post(unquote(self.path.split("?")[0]), json.loads(self._body() or b"{}")))

            def do_PUT(self):
                server.requests.append(f"PUT {self.path}")
                self._answer(*server.put(unquote(self.path.split("?")[0]), self._body()))

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    return self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = b""
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return data

            def _answer(self, status: int, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, task: FakeTask) -> FakeTask:
        self.tasks[task.task_id] = task
        return task

    def get(self, path: str):
        if match := re.fullmatch(r"/api/queue/v1/task-group/([^/]+)/list", path):
            group = match.group(1)
            listed = [
                {"status": {"taskId": t.task_id, "state": t.state, "taskGroupId": group}, "task": t.definition()}
                for t in self.tasks.values()
                if t.group == group
            ]
            return 200, {"taskGroupId": group, "tasks": listed}
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)", path):
            task = self.tasks.get(match.group(1))
            return (200, {**task.definition(), "expires": "2099-01-01T00:00:00.000Z"}) if task else (404, {})
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)/runs/(\d+)/artifacts", path):
            task = self.tasks[match.group(1)]
            names = [name for run, name in task.artifacts if run == int(match.group(2))]
            return 200, {"artifacts": [{"name": name} for name in sorted(names)]}
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)/runs/(\d+)/artifacts/(.+)", path):
            task = self.tasks.get(match.group(1))
            content = task and task.artifacts.get((int(match.group(2)), match.group(3)))
            return (200, content) if content is not None else (404, {"message": "artifact not found"})
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)/artifacts/(.+)", path):  # the latest run's
            task = self.tasks.get(match.group(1))
            runs = sorted(run for run, name in (task.artifacts if task else {}) if name == match.group(2))
            return (200, task.artifacts[(runs[-1], match.group(2))]) if runs else (404, {"message": "artifact not found"})
        return 404, {"message": f"no such endpoint: {path}"}

    def post(self, path: str, body: dict):
        if path == "/api/queue/v1/tasks":
            return 200, {"tasks": [{"taskId": i, "task": self.tasks[i].definition()} for i in body["taskIds"] if i in self.tasks]}
        if path == "/api/index/v1/tasks/indexes":
            return 200, {"tasks": []}
        if path == "/api/queue/v1/tasks/status":
            return 200, {"statuses": []}
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)/runs/(\d+)/artifacts/(.+)", path):  # createArtifact
            object_name = f"{match.group(1)}/{match.group(2)}/{match.group(3)}"
            return 200, {
                "storageType": "object", "name": object_name, "projectId": "translations",
                "uploadId": f"upload-{len(self.requests)}", "expires": body["expires"],
                "credentials": {"clientId": "artifact-uploader", "accessToken": "secret"},
            }
        if match := re.fullmatch(r"/api/object/v1/finish-upload/(.+)", path):
            return 200, {}
        if match := re.fullmatch(r"/api/hooks/v1/hooks/([^/]+)/(.+)/trigger", path):
            self.triggered.append((unquote(match.group(1)), unquote(match.group(2)), body))
            return 200, {"status": {"taskId": "ActionTask000000000001", "state": "pending"}}
        return 404, {"message": f"no such endpoint: {path}"}

    def put(self, path: str, body: bytes):
        if match := re.fullmatch(r"/api/object/v1/upload/(.+)", path):  # createUpload
            request = json.loads(body)
            methods = request["proposedUploadMethods"]
            answer = {"expires": request["expires"], "projectId": request["projectId"], "uploadId": request["uploadId"]}
            if "dataInline" in methods:
                self.objects[match.group(1)] = base64.b64decode(methods["dataInline"]["objectData"])
                return 200, {**answer, "uploadMethod": {"dataInline": True}}
            url = f"{self.root_url}/objects/{match.group(1)}"
            return 200, {**answer, "uploadMethod": {"putUrl": {"url": url, "expires": request["expires"], "headers": {}}}}
        if match := re.fullmatch(r"/objects/(.+)", path):
            self.objects[match.group(1)] = body
            return 200, {}
        if match := re.fullmatch(r"/api/queue/v1/task/([^/]+)/runs/(\d+)/artifacts/(.+)", path):  # finishArtifact
            task_id, run, name = match.group(1), int(match.group(2)), match.group(3)
            self.tasks[task_id].artifacts[(run, name)] = self.objects[f"{task_id}/{run}/{name}"]
            return 200, {}
        return 404, {"message": f"no such endpoint: {path}"}

    def close(self):
        self.httpd.shutdown()
