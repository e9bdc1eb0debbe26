"""A real static file server for tests: Debian's nginx, started on a free loopback port over one folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 15.0
# What a static host for `microscope assets sync`'s folder needs: the asset types, cached for ever (a name never
# changes its bytes), readable cross-origin, and nothing else (no index pages). Logs and temp files stay in `run`.
CONFIG = """
daemon off;
user root;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 64; }}
http {{
    types {{ image/png png; image/webp webp; image/jpeg jpg; application/octet-stream npy; }}
    default_type application/octet-stream;
    access_log {run}/access.log;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        autoindex off;
        add_header Cache-Control "public, max-age=31536000, immutable";
        add_header Access-Control-Allow-Origin "*";
    }}
}}
"""


def nginx() -> str:
    """The nginx binary, or skip the test saying how to get it."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)
    if found is None:
        pytest.skip("needs Debian's nginx as the static asset host (apt-get install nginx)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepting(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def static_host(root: Path, run: Path) -> Iterator[str]:
    """Serve the folder `root` with nginx (config, pid and logs in `run`); yield its base URL, stop it after."""
    binary = nginx()
    run.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = run / "nginx.conf"
    conf.write_text(CONFIG.format(run=run, port=port, root=root.resolve()))
    process = subprocess.Popen([binary, "-p", str(run), "-e", str(run / "error.log"), "-c", str(conf)])
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _accepting(port):
            log = (run / "error.log").read_text() if (run / "error.log").exists() else ""
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start on 127.0.0.1:{port}: {log[-2000:]}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
