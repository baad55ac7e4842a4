"""Run Orthanc inside a private network namespace and forward loopback ports into it.

Started by the ``orthanc`` fixture as ``unshare --net -- python _orthanc_netns.py ...``.

Why this shape: the packaged Orthanc listens on every interface (it cannot bind to 127.0.0.1
alone), so it runs in a fresh network namespace whose only interface is its own ``lo``. The test
client stays in the pytest process, in the normal namespace: the fixture binds listening
sockets on the host's 127.0.0.1 *before* starting this script and passes their file
descriptors down. A socket keeps the namespace it was created in, so this script, although it
lives inside the private namespace, accepts connections on the host's loopback and relays each
one to Orthanc's port on the private loopback. No named namespace (nothing to clean up in
/run/netns), no client subprocess, and Orthanc is reachable from nowhere else.

Lifecycle: prints ``READY <orthanc pid>`` once both Orthanc ports answer; on SIGTERM (or when
the parent dies) it stops Orthanc by its PID, waits for it, and exits.
"""

from __future__ import annotations

import argparse
import ctypes
import signal
import socket
import subprocess
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(1 << 16):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _serve(listener: socket.socket, port: int) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _wait_port(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def main() -> int:
    """Run until SIGTERM; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--orthanc", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--forward", action="append", default=[], metavar="FD:PORT")
    args = parser.parse_args()
    _die_with_parent()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open(args.log, "ab") as log:
        orthanc = subprocess.Popen(
            [args.orthanc, args.config],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        forwards = [tuple(int(x) for x in f.split(":")) for f in args.forward]
        deadline = time.monotonic() + 60
        for _, port in forwards:
            if not _wait_port(port, deadline) or orthanc.poll() is not None:
                print(f"FAILED Orthanc did not open port {port}", flush=True)
                return 1
        for fd, port in forwards:
            listener = socket.socket(fileno=fd)
            threading.Thread(target=_serve, args=(listener, port), daemon=True).start()
        print(f"READY {orthanc.pid}", flush=True)
        while not stop.wait(0.2):
            if orthanc.poll() is not None:
                print(f"FAILED Orthanc exited with {orthanc.returncode}", flush=True)
                return 1
        return 0
    finally:
        if orthanc.poll() is None:
            orthanc.terminate()
            try:
                orthanc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                orthanc.kill()
                orthanc.wait()


if __name__ == "__main__":
    sys.exit(main())
