"""A Jupyter server for the tests, started the way `make lab` and `make formgrader` start theirs,
on a free loopback port: for a browser (``page``) or for the calls formgrader's buttons make (``api``)."""
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from autograder.jupyter import HOST, jupyter_command, server_environment

TOKEN = "course-test-token"


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class JupyterServer:
    """JupyterLab serving ``root`` (a learner's workspace, or a course directory for formgrader)."""

    def __init__(self, root, default_url, learner):
        self.root, self.port = Path(root), free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = open(self.root.parent / f"jupyter-{self.port}.log", "w")
        self.process = subprocess.Popen(jupyter_command(self.root, self.port, TOKEN, default_url), cwd=self.root,
                                        env=server_environment(self.root.parent / "jupyter-config", learner),
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.api("/api/status")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"Jupyter did not start; see {self.log.name}") from None
                time.sleep(0.3)

    def api(self, path, method="GET"):
        """The JSON a call to the server answers (a POST is what a button's click sends)."""
        request = urllib.request.Request(self.base + path, method=method, data=b"" if method == "POST" else None,
                                         headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())

    def page(self, browser, path, prepare=lambda page: None):
        """A logged-in page at ``path`` (the token goes through the login form, as a person types it);
        ``prepare`` gets the page before it loads anything (to watch or route its requests)."""
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        prepare(page)
        page.goto(f"{self.base}/login?next={urllib.request.quote(path)}")
        page.fill("input[type=password]", TOKEN)
        page.click("button[type=submit]")
        return page

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
