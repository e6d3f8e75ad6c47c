#!/usr/bin/env python3
"""Run client.py (test case `all`) against server.py: plaintext and TLS.

    selftest.py [--client_modes inspect,direct] [--keep]

TLS uses a self-signed certificate for foo.test.google.fr generated with
openssl into a temporary directory; the client connects to 127.0.0.1 with
--server_host_override foo.test.google.fr --ca_file <that certificate>.
Each configuration starts a fresh server, checks that the client exits 0 and
that the server exits 0 on SIGTERM.  Exit status 0 only if all of them pass.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
CLIENT = os.path.join(HERE, "client.py")
HOST_OVERRIDE = "foo.test.google.fr"


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
         "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=" + HOST_OVERRIDE,
         "-addext", "subjectAltName=DNS:" + HOST_OVERRIDE],
        check=True, capture_output=True)
    return cert, key


def start_server(extra):
    proc = subprocess.Popen([sys.executable, SERVER, "--port", "0"] + extra,
                            stdout=subprocess.PIPE, text=True)
    line = [None]
    reader = threading.Thread(target=lambda: line.__setitem__(0, proc.stdout.readline()))
    reader.start()
    reader.join(30)
    if not line[0] or not line[0].startswith("PORT "):
        proc.kill()
        raise RuntimeError("server did not announce its port (got %r)" % line[0])
    return proc, int(line[0].split()[1])


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "killed (did not exit within 15s of SIGTERM)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client_modes", default="inspect,direct",
                    help="comma list of client modes: inspect (--inspect_responses true), "
                         "direct (--inspect_responses false)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary certificate dir")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="grpc_interop_selftest_")
    ok = True
    try:
        cert, key = make_cert(tmp)
        transports = [
            ("plaintext", [], []),
            ("tls", ["--use_tls", "true", "--tls_cert_file", cert, "--tls_key_file", key],
             ["--use_tls", "true", "--ca_file", cert, "--server_host_override", HOST_OVERRIDE]),
        ]
        for name, server_args, client_args in transports:
            for mode in args.client_modes.split(","):
                inspect = {"inspect": "true", "direct": "false"}[mode.strip()]
                title = "%s, client --inspect_responses %s" % (name, inspect)
                print("=== %s" % title, flush=True)
                proc, port = start_server(server_args)
                try:
                    res = subprocess.run(
                        [sys.executable, CLIENT, "--server_host", "127.0.0.1",
                         "--server_port", str(port), "--test_case", "all",
                         "--inspect_responses", inspect] + client_args,
                        timeout=300)
                finally:
                    rc = stop_server(proc)
                if res.returncode != 0:
                    ok = False
                    print("=== %s: client exit status %d" % (title, res.returncode), flush=True)
                if rc != 0:
                    ok = False
                    print("=== %s: server exit status %s after SIGTERM" % (title, rc), flush=True)
    finally:
        if args.keep:
            print("certificate dir kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, True)
    print("SELFTEST %s" % ("PASSED" if ok else "FAILED"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
