#!/usr/bin/python3
"""A small TUF repository written with securesystemslib, an implementation
independent of bsi, for the demonstration (scripts/demo.sh): it shows that
bsi-tuf-client trusts any conforming repository, not only its own.

  demo_repo.py init DIR         keys in DIR/keys, repository in DIR/repo
  demo_repo.py publish DIR NAME TEXT   add or replace an artifact; new versions
  demo_repo.py rotate DIR ROLE  replace ROLE's key (root v+1, signed by old and new)

Layout: DIR/repo/metadata/{N.root.json, timestamp.json, N.snapshot.json,
N.targets.json} and DIR/repo/targets/<sha256>.<name> (consistent snapshots).
"""
import datetime
import hashlib
import json
import os
import sys

from securesystemslib import keys as sslkeys
from securesystemslib.formats import encode_canonical

ROLES = ["root", "timestamp", "snapshot", "targets"]


def expiry(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def public(key):
    return {"keytype": key["keytype"], "scheme": key["scheme"],
            "keyval": {"public": key["keyval"]["public"]}}


def keyid(key):
    return hashlib.sha256(encode_canonical(public(key)).encode()).hexdigest()


def sign(signed, signers):
    data = encode_canonical(signed).encode()
    sigs = [{"keyid": keyid(k), "sig": sslkeys.create_signature(k, data)["sig"]} for k in signers]
    # Written pretty-printed, as most repositories do; signatures cover the
    # canonical form of "signed" only.
    return json.dumps({"signatures": sigs, "signed": signed}, indent=1).encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Repo:
    def __init__(self, base):
        self.base = base
        self.meta = os.path.join(base, "repo", "metadata")
        self.targets_dir = os.path.join(base, "repo", "targets")
        with open(os.path.join(base, "keys", "state.json")) as f:
            self.state = json.load(f)

    def save_state(self):
        write(os.path.join(self.base, "keys", "state.json"),
              json.dumps(self.state, indent=1).encode())

    def key(self, role):
        return self.state["keys"][role]

    def root_signed(self):
        s = self.state
        return {"_type": "root", "spec_version": "1.0.31", "version": s["root_version"],
                "expires": expiry(365), "consistent_snapshot": True,
                "keys": {keyid(s["keys"][r]): public(s["keys"][r]) for r in ROLES},
                "roles": {r: {"keyids": [keyid(s["keys"][r])], "threshold": 1} for r in ROLES}}

    def publish_root(self, extra_signers=()):
        data = sign(self.root_signed(), [self.key("root"), *extra_signers])
        write(os.path.join(self.meta, "%d.root.json" % self.state["root_version"]), data)
        write(os.path.join(self.meta, "root.json"), data)

    def publish_top(self):
        s = self.state
        s["targets_version"] += 1
        s["snapshot_version"] += 1
        s["timestamp_version"] += 1
        targets = {"_type": "targets", "spec_version": "1.0.31",
                   "version": s["targets_version"], "expires": expiry(90),
                   "targets": s["artifacts"]}
        tdata = sign(targets, [self.key("targets")])
        write(os.path.join(self.meta, "%d.targets.json" % s["targets_version"]), tdata)
        snapshot = {"_type": "snapshot", "spec_version": "1.0.31",
                    "version": s["snapshot_version"], "expires": expiry(7),
                    "meta": {"targets.json": {"version": s["targets_version"]}}}
        sdata = sign(snapshot, [self.key("snapshot")])
        write(os.path.join(self.meta, "%d.snapshot.json" % s["snapshot_version"]), sdata)
        timestamp = {"_type": "timestamp", "spec_version": "1.0.31",
                     "version": s["timestamp_version"], "expires": expiry(1),
                     "meta": {"snapshot.json": {
                         "version": s["snapshot_version"], "length": len(sdata),
                         "hashes": {"sha256": hashlib.sha256(sdata).hexdigest()}}}}
        # timestamp.json last: a client sees the old or the new repository.
        write(os.path.join(self.meta, "timestamp.json"), sign(timestamp, [self.key("timestamp")]))
        self.save_state()


def init(base):
    state = {"keys": {r: sslkeys.generate_ed25519_key() for r in ROLES}, "root_version": 1,
             "targets_version": 0, "snapshot_version": 0, "timestamp_version": 0,
             "artifacts": {}}
    write(os.path.join(base, "keys", "state.json"), json.dumps(state, indent=1).encode())
    os.chmod(os.path.join(base, "keys", "state.json"), 0o600)
    repo = Repo(base)
    repo.publish_root()
    repo.publish_top()


def publish(base, name, text):
    repo = Repo(base)
    data = text.encode()
    digest = hashlib.sha256(data).hexdigest()
    write(os.path.join(repo.targets_dir, "%s.%s" % (digest, name)), data)
    repo.state["artifacts"][name] = {"length": len(data), "hashes": {"sha256": digest}}
    repo.publish_top()


def rotate(base, role):
    repo = Repo(base)
    old = repo.key("root")
    repo.state["keys"][role] = sslkeys.generate_ed25519_key()
    repo.state["root_version"] += 1
    repo.publish_root(extra_signers=[old] if role == "root" else [])
    repo.publish_top()


def main(argv):
    if len(argv) >= 3 and argv[1] == "init":
        init(argv[2])
    elif len(argv) == 5 and argv[1] == "publish":
        publish(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "rotate" and argv[3] in ROLES:
        rotate(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
