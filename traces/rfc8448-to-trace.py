#!/usr/bin/env python3
"""Convert the RFC 8448 section 4 vectors (vectors/rfc8448-resumed-0rtt.vec) into trace format
v1: the same recording three times, with the reference as client, as server, and as both.

The third party (the RFC's implementation) chose extensions we do not own; they go into each
side's profile as opaque bytes, so the reference encodes byte for byte what was recorded.
Usage: python3 traces/rfc8448-to-trace.py   (writes traces/rfc8448-*.jsonl)
"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
v = {}
for line in open(os.path.join(here, "vectors", "rfc8448-resumed-0rtt.vec")):
    if "=" in line and not line.startswith("#"):
        k, val = line.split("=", 1)
        v[k.strip()] = val.strip()

client_pool, server_pool = v["Client_RNG_Pool"], v["Server_RNG_Pool"]
ours = lambda t: {"type": t}
opaque = lambda t, d: {"type": t, "data": d}
# The ClientHello's extensions in the RFC's order (RFC 8448 section 4, ClientHello).
client_profile = {
    "cipher_suites": [0x1301, 0x1303, 0x1302],
    "client_hello_extensions": [
        opaque(0x0000, "0009000006736572766572"),  # server_name "server"
        opaque(0xFF01, "00"),  # renegotiation_info
        opaque(0x000A, "0012001d00170018001901000101010201030104"),  # supported_groups
        ours(0x0033),  # key_share
        ours(0x002A),  # early_data
        ours(0x002B),  # supported_versions
        opaque(0x000D, "001e040305030603020308040805080604010501060102010402050206020202"),
        ours(0x002D),  # psk_key_exchange_modes
        opaque(0x001C, "4001"),  # record_size_limit
        opaque(0x0015, "00" * 87),  # padding
        ours(0x0029),  # pre_shared_key
    ],
    "obfuscated_ticket_age": 0xFAD6AACB,
}
server_profile = {
    "cipher_suites": [0x1301, 0x1303],
    "encrypted_extensions": [
        opaque(0x000A, "0012001d00170018001901000101010201030104"),
        opaque(0x001C, "4001"),
        opaque(0x0000, ""),
        ours(0x002A),
    ],
    "coalesce": True,
}
inputs = {
    "psk": v["PSK"],
    "identity": v["SessionTicket"],
    "psk_kind": "resumption",
    "mode": "psk_dhe_ke",
    "client": {
        "fresh": {
            "client_random": client_pool[:64],
            "client_dh": client_pool[64:128],
            "early_data": v["Client_EarlyAppData"],
            "client_data": v["Client_AppData"],
        },
        "profile": client_profile,
        "early_data": True,
    },
    "server": {
        "fresh": {
            "server_random": server_pool[:64],
            "server_dh": server_pool[64:128],
            "server_data": v["Server_AppData"],
        },
        "profile": server_profile,
        "early_data": True,
    },
}
# Record_ClientFinished holds two records: EndOfEarlyData, then Finished.
fin = v["Record_ClientFinished"]
eoed_len = 5 + int(fin[6:10], 16)
messages = [
    ("client", "ClientHello", v["Record_ClientHello_1"]),
    ("client", "0-RTT application data", v["Record_Client_EarlyAppData"]),
    ("server", "ServerHello", v["Record_ServerHello"]),
    ("server", "EncryptedExtensions+Finished", v["Record_ServerHandshakeMessages"]),
    ("client", "EndOfEarlyData", fin[: 2 * eoed_len]),
    ("client", "Finished", fin[2 * eoed_len :]),
    ("client", "application data", v["Record_Client_AppData"]),
    ("server", "application data", v["Record_Server_AppData"]),
]
for name, roles in [
    ("client", {"client": "reference", "server": "recorded"}),
    ("server", {"client": "recorded", "server": "reference"}),
    ("both", {"client": "reference", "server": "reference"}),
]:
    header = {
        "trace": 1,
        "handshake": "tls-psk",
        "source": "RFC 8448 section 4 (resumed 0-RTT handshake), vectors/rfc8448-resumed-0rtt.vec",
        "roles": roles,
        "inputs": inputs,
    }
    path = os.path.join(here, f"rfc8448-resumed-0rtt-{name}.jsonl")
    with open(path, "w") as out:
        out.write(json.dumps(header) + "\n")
        for i, (sender, msg, rec) in enumerate(messages, 1):
            to = "server" if sender == "client" else "client"
            out.write(json.dumps({"step": i, "from": sender, "to": to, "msg": msg, "bytes": rec}) + "\n")
    print("wrote", path)
