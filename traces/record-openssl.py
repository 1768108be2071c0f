#!/usr/bin/env python3
"""Record `openssl s_client` talking to `openssl s_server` with an external PSK, through a
recording TCP proxy on loopback, and write it as a trace (format v1) for the observer: the
header holds the PSK and the secrets of OpenSSL's key log (SSLKEYLOGFILE format).

Usage: python3 traces/record-openssl.py psk_dhe_ke traces/openssl-observed.jsonl [GROUPS]
GROUPS, given, are the server's -groups (P-256: it answers s_client's X25519 share with a
HelloRetryRequest, traces/openssl-observed-hello-retry.jsonl).
(With psk_ke both peers allow psk_ke, but OpenSSL 3.0's server still prefers psk_dhe_ke when
the client offers both; OpenSSL 3.0 has no option to make the client offer psk_ke only.)
"""
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time

PSK = "8f3c1e5a7b9d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f1a3c5e7b9d2f"
IDENTITY = "msgin5g-observed"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "psk_dhe_ke"
    out = sys.argv[2] if len(sys.argv) > 2 else "traces/openssl-observed.jsonl"
    server_port, proxy_port = free_port(), free_port()
    keylog = tempfile.NamedTemporaryFile(suffix=".keylog", delete=False).name
    extra = ["-allow_no_dhe_kex"] if mode == "psk_ke" else []
    groups = ["-groups", sys.argv[3]] if len(sys.argv) > 3 else []
    server = subprocess.Popen(
        ["openssl", "s_server", "-tls1_3", "-nocert", "-psk", PSK, "-psk_identity", IDENTITY,
         "-accept", f"127.0.0.1:{server_port}", "-keylogfile", keylog, "-num_tickets", "1"] + extra + groups,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    while b"ACCEPT" not in server.stdout.readline():
        pass
    records, lock = [], threading.Lock()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", proxy_port))
    listener.listen(1)

    def pump(src, dst, sender):
        while True:
            header = read_exact(src, 5)
            if header is None:
                break
            body = read_exact(src, int.from_bytes(header[3:5], "big"))
            if body is None:
                break
            with lock:
                records.append((sender, header + body))
            dst.sendall(header + body)
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def proxy():
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", server_port))
        t = threading.Thread(target=pump, args=(upstream, client, "server"))
        t.start()
        pump(client, upstream, "client")
        t.join()

    p = threading.Thread(target=proxy)
    p.start()
    client = subprocess.Popen(
        ["openssl", "s_client", "-tls1_3", "-psk", PSK, "-psk_identity", IDENTITY,
         "-connect", f"127.0.0.1:{proxy_port}"] + extra,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(1)
    client.stdin.write(b"ping from s_client\n")
    client.stdin.flush()
    time.sleep(0.5)
    server.stdin.write(b"pong from s_server\n")
    server.stdin.flush()
    time.sleep(0.5)
    client.stdin.close()
    client.wait(timeout=5)
    server.kill()
    p.join(timeout=5)
    secrets = {}
    for line in open(keylog):
        parts = line.split()
        if len(parts) == 3:
            secrets[parts[0]] = parts[2]
    header = {
        "trace": 1,
        "handshake": "tls-psk",
        "source": "openssl s_client <-> openssl s_server%s (%s), recorded by traces/record-openssl.py"
        % (" " + " ".join(groups) if groups else "",
           subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()),
        "roles": {"client": "recorded", "server": "recorded"},
        "inputs": {"psk": PSK, "identity": IDENTITY.encode().hex(), "mode": mode, "keylog": secrets},
    }
    names = {20: "ChangeCipherSpec", 21: "Alert", 22: "handshake record", 23: "protected record"}
    with open(out, "w") as f:
        f.write(json.dumps(header) + "\n")
        for i, (sender, rec) in enumerate(records, 1):
            to = "server" if sender == "client" else "client"
            f.write(json.dumps({"step": i, "from": sender, "to": to,
                                "msg": names.get(rec[0], "record"), "bytes": rec.hex()}) + "\n")
    print("wrote", out, "with", len(records), "records")


main()
