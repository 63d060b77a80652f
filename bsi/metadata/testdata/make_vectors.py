#!/usr/bin/python3
"""Writes a small, complete, signed TUF repository's metadata into
bsi/metadata/testdata/repo/, made by the reference ecosystem
(securesystemslib 0.26 for keys, signatures and canonical JSON), which
bsi::metadata must read and verify (vectors_test.cc).

The files are written the way python-tuf repositories write them: pretty
printed with json.dumps(indent=1, separators=(",", ": "), sort_keys=True),
so non-ASCII characters appear as \\uXXXX escapes and the bytes on disk are
NOT the canonical bytes; the signatures are over securesystemslib's
encode_canonical() of the `signed` object, as the specification says.

  1.root.json       root keys: ed25519, ecdsa (ecdsa-sha2-nistp256) and rsa
                    (rsassa-pss-sha256, 3072 bits, a legacy key object with
                    "keyid_hash_algorithms"); threshold 2 of 3, signed by all
                    three; an unknown field "x-bsi-extension" in `signed`.
  timestamp.json    ed25519 key; describes 1.snapshot.json (length, sha256,
                    sha512).
  1.snapshot.json   ecdsa key; describes targets.json (length, sha256) and
                    files.json (version only).
  1.targets.json    rsa key (rsassa-pss-sha256, 2048 bits); two targets (one
                    with a non-ASCII path and custom fields); delegates
                    "files" by paths ["files/*"] and "hashed" by
                    path_hash_prefixes.
  1.files.json      the delegated role "files", ed25519 key.

Keys and ECDSA/RSA-PSS signatures are random, so every run writes different
but equally valid files. Regenerate with:

  /usr/bin/python3 bsi/metadata/testdata/make_vectors.py
"""

import copy
import hashlib
import json
import os

from securesystemslib import keys as sslib_keys
from securesystemslib.formats import encode_canonical

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "repo")
EXPIRES = "2030-01-01T00:00:00Z"
SPEC_VERSION = "1.0.31"

# The contents of the target files that 1.targets.json and 1.files.json
# describe (vectors_test.cc holds the same bytes).
HELLO = b"Hello from the python-tuf ecosystem!\n"
MENU = "Caf\u00e9 menu: cr\u00e8me br\u00fbl\u00e9e\n".encode("utf-8")


def public_key_object(key, legacy=False):
    """The key as metadata lists it. legacy adds the field old python-tuf
    wrote into every key, which is then part of the key ID."""
    obj = {"keytype": key["keytype"], "scheme": key["scheme"],
           "keyval": {"public": key["keyval"]["public"]}}
    if legacy:
        obj["keyid_hash_algorithms"] = ["sha256", "sha512"]
    return obj


def key_id(key_object):
    return hashlib.sha256(encode_canonical(key_object).encode("utf-8")).hexdigest()


def sign(signed, signers):
    """The envelope of `signed`, signed by each (key ID, private key)."""
    data = encode_canonical(signed).encode("utf-8")
    signatures = []
    for keyid, key in signers:
        sig = sslib_keys.create_signature(key, data)["sig"]
        signatures.append({"keyid": keyid, "sig": sig})
    return {"signatures": signatures, "signed": signed}


def write(name, metadata):
    """Writes the metadata as python-tuf's JSONSerializer does; returns the bytes."""
    data = json.dumps(metadata, indent=1, separators=(",", ": "), sort_keys=True).encode("utf-8")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return data


def check(data, keys_by_id, threshold):
    """Reads the written file back and verifies it as a client would."""
    metadata = json.loads(data)
    canonical = encode_canonical(metadata["signed"]).encode("utf-8")
    valid = 0
    for signature in metadata["signatures"]:
        key = keys_by_id[signature["keyid"]]
        assert sslib_keys.verify_signature(key, signature, canonical)
        valid += 1
    assert valid >= threshold


def file_meta(data):
    return {"length": len(data), "hashes": {"sha256": hashlib.sha256(data).hexdigest(),
                                            "sha512": hashlib.sha512(data).hexdigest()}}


def main():
    os.makedirs(OUT, exist_ok=True)

    root_ed = sslib_keys.generate_ed25519_key()
    root_ec = sslib_keys.generate_ecdsa_key()
    root_rsa = sslib_keys.generate_rsa_key(bits=3072, scheme="rsassa-pss-sha256")
    timestamp_key = sslib_keys.generate_ed25519_key()
    snapshot_key = sslib_keys.generate_ecdsa_key()
    targets_key = sslib_keys.generate_rsa_key(bits=2048, scheme="rsassa-pss-sha256")
    files_key = sslib_keys.generate_ed25519_key()
    hashed_key = sslib_keys.generate_ecdsa_key()

    objects = {
        "root_ed": public_key_object(root_ed),
        "root_ec": public_key_object(root_ec),
        "root_rsa": public_key_object(root_rsa, legacy=True),
        "timestamp": public_key_object(timestamp_key),
        "snapshot": public_key_object(snapshot_key),
        "targets": public_key_object(targets_key),
        "files": public_key_object(files_key),
        "hashed": public_key_object(hashed_key),
    }
    ids = {name: key_id(obj) for name, obj in objects.items()}
    private = {"root_ed": root_ed, "root_ec": root_ec, "root_rsa": root_rsa,
               "timestamp": timestamp_key, "snapshot": snapshot_key, "targets": targets_key,
               "files": files_key, "hashed": hashed_key}
    by_id = {}
    for name, key in private.items():
        verifying = copy.deepcopy(key)
        verifying["keyid"] = ids[name]
        by_id[ids[name]] = verifying

    def signer(name):
        key = copy.deepcopy(private[name])
        key["keyid"] = ids[name]
        return ids[name], key

    # Root.
    root_names = ["root_ed", "root_ec", "root_rsa"]
    root = {
        "_type": "root",
        "spec_version": SPEC_VERSION,
        "version": 1,
        "expires": EXPIRES,
        "consistent_snapshot": True,
        "keys": {ids[n]: objects[n] for n in root_names + ["timestamp", "snapshot", "targets"]},
        "roles": {
            "root": {"keyids": [ids[n] for n in root_names], "threshold": 2},
            "timestamp": {"keyids": [ids["timestamp"]], "threshold": 1},
            "snapshot": {"keyids": [ids["snapshot"]], "threshold": 1},
            "targets": {"keyids": [ids["targets"]], "threshold": 1},
        },
        "x-bsi-extension": {"note": "unknown fields are covered by the signatures"},
    }
    data = write("1.root.json", sign(root, [signer(n) for n in root_names]))
    check(data, by_id, 2)

    # Delegated role "files".
    files = {
        "_type": "targets",
        "spec_version": SPEC_VERSION,
        "version": 1,
        "expires": EXPIRES,
        "targets": {"files/hello.txt": file_meta(HELLO)},
    }
    files_bytes = write("1.files.json", sign(files, [signer("files")]))
    check(files_bytes, by_id, 1)

    # Top-level targets.
    menu = file_meta(MENU)
    del menu["hashes"]["sha512"]
    menu["custom"] = {"quote": 'say "hi" \\o/', "lines": "one\ntwo\ttab", "n": 42,
                      "list": [1, True, None, "caf\u00e9"]}
    targets = {
        "_type": "targets",
        "spec_version": SPEC_VERSION,
        "version": 1,
        "expires": EXPIRES,
        "targets": {"files/hello.txt": file_meta(HELLO), "caf\u00e9/menu.txt": menu},
        "delegations": {
            "keys": {ids["files"]: objects["files"], ids["hashed"]: objects["hashed"]},
            "roles": [
                {"name": "files", "keyids": [ids["files"]], "threshold": 1,
                 "terminating": True, "paths": ["files/*"]},
                {"name": "hashed", "keyids": [ids["hashed"]], "threshold": 1,
                 "terminating": False, "path_hash_prefixes": ["0", "1", "2", "3"]},
            ],
        },
    }
    targets_bytes = write("1.targets.json", sign(targets, [signer("targets")]))
    check(targets_bytes, by_id, 1)

    # Snapshot.
    targets_meta = file_meta(targets_bytes)
    del targets_meta["hashes"]["sha512"]
    snapshot = {
        "_type": "snapshot",
        "spec_version": SPEC_VERSION,
        "version": 1,
        "expires": EXPIRES,
        "meta": {"targets.json": dict(version=1, **targets_meta), "files.json": {"version": 1}},
    }
    snapshot_bytes = write("1.snapshot.json", sign(snapshot, [signer("snapshot")]))
    check(snapshot_bytes, by_id, 1)

    # Timestamp.
    timestamp = {
        "_type": "timestamp",
        "spec_version": SPEC_VERSION,
        "version": 1,
        "expires": EXPIRES,
        "meta": {"snapshot.json": dict(version=1, **file_meta(snapshot_bytes))},
    }
    check(write("timestamp.json", sign(timestamp, [signer("timestamp")])), by_id, 1)


if __name__ == "__main__":
    main()
