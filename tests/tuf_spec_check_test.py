#!/usr/bin/python3
"""Tests of tests/tuf_spec_check.py, the independent TUF repository checker:
that it passes valid repositories and, above all, that it fails each kind of
broken one. The repositories are built here with securesystemslib (keys,
signatures, canonical JSON), not with bsi, and then broken one way per test.

    python3 tests/tuf_spec_check_test.py [-v]

Standard library unittest plus Debian's python3-securesystemslib; re-runs
itself under /usr/bin/python3 if the python3 that runs it lacks it.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout, redirect_stderr

try:
    from securesystemslib import keys as sslib_keys
    from securesystemslib.formats import encode_canonical
except ImportError:  # pragma: no cover - depends on the interpreter
    if os.path.exists("/usr/bin/python3") and not os.environ.get("TUF_SPEC_CHECK_REEXEC"):
        os.environ["TUF_SPEC_CHECK_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tuf_spec_check  # noqa: E402  (after the path is set)

CHECKER = os.path.join(HERE, "tuf_spec_check.py")
DEMO_REPO = os.path.join(os.path.dirname(HERE), "scripts", "demo_repo.py")
NOW = datetime.datetime.now(datetime.timezone.utc)


def rfc3339(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def in_days(days):
    return rfc3339(NOW + datetime.timedelta(days=days))


def public(key):
    """The key object as metadata lists it."""
    return {"keytype": key["keytype"], "scheme": key["scheme"], "keyval": {"public": key["keyval"]["public"]}}


def keyid(key):
    return hashlib.sha256(encode_canonical(public(key)).encode()).hexdigest()


def envelope(signed, signers):
    """Signed metadata bytes: signatures over the canonical JSON of signed,
    written pretty-printed as most repositories do."""
    data = encode_canonical(signed).encode()
    sigs = [{"keyid": keyid(k), "sig": sslib_keys.create_signature(k, data)["sig"]} for k in signers]
    return json.dumps({"signatures": sigs, "signed": signed}, indent=1).encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# Keys are made once: RSA key generation is slow.
_KEYS = {}


def key(name):
    """A private key by name; the name's prefix picks the type."""
    if name not in _KEYS:
        if name.startswith("rsa"):
            _KEYS[name] = sslib_keys.generate_rsa_key(bits=2048)
        elif name.startswith("ecdsa"):
            _KEYS[name] = sslib_keys.generate_ecdsa_key()
        else:
            _KEYS[name] = sslib_keys.generate_ed25519_key()
    return _KEYS[name]


class RepoBuilder:
    """A small but complete repository, editable before write():

      root v1: root keys ed-root1 + ecdsa-root2, threshold 2
      root v2: root keys ed-root1 + ed-root3, threshold 2, signed by all three
      timestamp: ed25519; snapshot: ecdsa; targets: rsa
      targets: hello.txt (sha256 + sha512), dir/sub/data.bin (sha256)
        delegates "files" (paths files/*, terminating) and
        "bins" (path_hash_prefixes 0..f); "files" delegates "deep" (files/deep-*)
    """

    def __init__(self, consistent=True):
        self.consistent = consistent
        self.contents = {}  # target path -> bytes
        role_keys = {"timestamp": [key("ed-ts")], "snapshot": [key("ecdsa-snap")], "targets": [key("rsa-targets")]}
        self.roots = [
            self.root_version(1, [key("ed-root1"), key("ecdsa-root2")], role_keys,
                              signers=[key("ed-root1"), key("ecdsa-root2")]),
            self.root_version(2, [key("ed-root1"), key("ed-root3")], role_keys,
                              signers=[key("ed-root1"), key("ecdsa-root2"), key("ed-root3")]),
        ]
        self.timestamp = {"signed": self.common("timestamp", 1, in_days(1)), "signers": role_keys["timestamp"]}
        self.snapshot = {"signed": self.common("snapshot", 1, in_days(7)), "signers": role_keys["snapshot"]}
        self.targets = {}  # role name -> {"signed", "signers"}, written in this order
        self.targets["targets"] = {"signed": dict(self.common("targets", 1, in_days(90)), targets={}),
                                   "signers": role_keys["targets"]}
        self.add_target("targets", "hello.txt", b"Hello, TUF!\n", ("sha256", "sha512"))
        self.add_target("targets", "dir/sub/data.bin", bytes(range(256)) * 3, ("sha256",))
        self.delegate("targets", "files", [key("ed-files")], paths=["files/*"], terminating=True)
        self.add_target("files", "files/a.txt", b"file a\n", ("sha256", "sha512"))
        self.delegate("files", "deep", [key("ed-deep")], paths=["files/deep-*"])
        self.add_target("deep", "files/deep-1.txt", b"deep one\n", ("sha512",))
        self.delegate("targets", "bins", [key("ecdsa-bins")], path_hash_prefixes=list("0123456789abcdef"))
        self.add_target("bins", "other/x.txt", b"binned\n", ("sha256",))
        # Hooks to break the derived metadata: each gets the "meta" object.
        self.edit_snapshot_meta = None
        self.edit_timestamp_meta = None

    @staticmethod
    def common(type_, version, expires):
        return {"_type": type_, "spec_version": "1.0.31", "version": version, "expires": expires}

    def root_version(self, version, root_keys, role_keys, signers, threshold=2):
        all_keys = {"root": root_keys, **role_keys}
        signed = dict(self.common("root", version, in_days(365)), consistent_snapshot=self.consistent,
                      keys={keyid(k): public(k) for ks in all_keys.values() for k in ks},
                      roles={r: {"keyids": [keyid(k) for k in ks], "threshold": threshold if r == "root" else 1}
                             for r, ks in all_keys.items()})
        return {"signed": signed, "signers": signers}

    def delegate(self, parent, name, keys, threshold=1, terminating=False, **paths):
        signed = self.targets[parent]["signed"]
        delegations = signed.setdefault("delegations", {"keys": {}, "roles": []})
        for k in keys:
            delegations["keys"][keyid(k)] = public(k)
        delegations["roles"].append(dict({"name": name, "keyids": [keyid(k) for k in keys],
                                          "threshold": threshold, "terminating": terminating}, **paths))
        self.targets[name] = {"signed": dict(self.common("targets", 1, in_days(30)), targets={}),
                              "signers": list(keys)}

    def add_target(self, role, path, data, hash_names):
        self.contents[path] = data
        self.targets[role]["signed"]["targets"][path] = {
            "length": len(data), "hashes": {h: hashlib.new(h, data).hexdigest() for h in hash_names}}

    def meta_name(self, role, version):
        return "%d.%s.json" % (version, role) if self.consistent else "%s.json" % role

    def write(self, base):
        md = os.path.join(base, "metadata")
        for path, data in self.contents.items():
            info = next(r["signed"]["targets"][path] for r in self.targets.values()
                        if path in r["signed"]["targets"])
            directory, _, name = path.rpartition("/")
            if self.consistent:
                for digest in info["hashes"].values():
                    write(os.path.join(base, "targets", directory, "%s.%s" % (digest, name)), data)
            else:
                write(os.path.join(base, "targets", path), data)
        for number, root in enumerate(self.roots, start=1):  # named by position, whatever "version" says
            write(os.path.join(md, "%d.root.json" % number),
                  envelope(root["signed"], root["signers"]))
        snapshot_meta = {}
        for role, r in self.targets.items():
            data = envelope(r["signed"], r["signers"])
            write(os.path.join(md, self.meta_name(role, r["signed"]["version"])), data)
            # targets.json with length and hashes, delegated roles version only.
            snapshot_meta[role + ".json"] = {"version": r["signed"]["version"]}
            if role == "targets":
                snapshot_meta[role + ".json"].update(
                    length=len(data), hashes={"sha256": hashlib.sha256(data).hexdigest()})
        if self.edit_snapshot_meta:
            self.edit_snapshot_meta(snapshot_meta)
        self.snapshot["signed"]["meta"] = snapshot_meta
        sdata = envelope(self.snapshot["signed"], self.snapshot["signers"])
        write(os.path.join(md, self.meta_name("snapshot", self.snapshot["signed"]["version"])), sdata)
        timestamp_meta = {"snapshot.json": {
            "version": self.snapshot["signed"]["version"], "length": len(sdata),
            "hashes": {"sha256": hashlib.sha256(sdata).hexdigest(), "sha512": hashlib.sha512(sdata).hexdigest()}}}
        if self.edit_timestamp_meta:
            self.edit_timestamp_meta(timestamp_meta)
        self.timestamp["signed"]["meta"] = timestamp_meta
        write(os.path.join(md, "timestamp.json"), envelope(self.timestamp["signed"], self.timestamp["signers"]))
        return base


def edit_json(path, change):
    """Rewrites a metadata file after change(obj), without re-signing."""
    with open(path, "rb") as f:
        obj = json.load(f)
    change(obj)
    with open(path, "wb") as f:
        f.write(json.dumps(obj, indent=1).encode())


class CheckerTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tuf_spec_check_test.")
        self.repo = os.path.join(self.tmp, "repo")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, rel):
        return os.path.join(self.repo, rel)

    def check(self, expect=(), now=NOW, strict_keyids=True):
        checker = tuf_spec_check.Checker(self.repo, now, strict_keyids=strict_keyids)
        checker.run(expect)
        return checker

    def assertPasses(self, **kwargs):
        checker = self.check(**kwargs)
        self.assertEqual(checker.report.errors, [], "a valid repository must pass")
        return checker

    def assertCaught(self, file, fragment, **kwargs):
        """The checker reports an error in file whose message has fragment."""
        checker = self.check(**kwargs)
        errors = checker.report.errors
        self.assertTrue(any(e["file"] == file and fragment in e["message"] for e in errors),
                        "expected an error in %s containing %r, got:\n%s" % (
                            file, fragment, "\n".join("%(file)s: %(message)s" % e for e in errors)))
        return errors


class ValidRepositories(CheckerTestCase):
    def test_valid_consistent_repository_passes(self):
        RepoBuilder().write(self.repo)
        checker = self.assertPasses(expect=["hello.txt", "dir/sub/data.bin", "files/a.txt",
                                            "files/deep-1.txt", "other/x.txt"])
        self.assertEqual(checker.report.warnings, [])
        self.assertEqual(checker.root_versions, [1, 2])
        self.assertEqual(set(checker.targets_md), {"targets", "files", "deep", "bins"})
        self.assertEqual(checker.effective_targets(), {
            "hello.txt": "targets", "dir/sub/data.bin": "targets", "files/a.txt": "files",
            "files/deep-1.txt": "deep", "other/x.txt": "bins"})

    def test_valid_plain_repository_passes(self):
        RepoBuilder(consistent=False).write(self.repo)
        self.assertTrue(os.path.exists(self.path("metadata/snapshot.json")))
        self.assertTrue(os.path.exists(self.path("targets/dir/sub/data.bin")))
        self.assertPasses(expect=["hello.txt", "files/deep-1.txt"])

    def test_signatures_by_unknown_keys_are_ignored(self):
        RepoBuilder().write(self.repo)
        edit_json(self.path("metadata/timestamp.json"), lambda o: o["signatures"].append(
            {"keyid": "ab" * 32, "sig": "00" * 64}))
        self.assertPasses()

    def test_demo_repo_written_by_another_writer_passes(self):
        if not os.path.exists(DEMO_REPO):
            self.skipTest("scripts/demo_repo.py not found")
        base = os.path.join(self.tmp, "demo")

        def demo(*args):
            subprocess.run([sys.executable, DEMO_REPO, *args], check=True)
        demo("init", base)
        demo("publish", base, "hello.txt", "hello")
        demo("rotate", base, "root")
        demo("rotate", base, "snapshot")
        demo("publish", base, "notes.txt", "notes")
        self.repo = os.path.join(base, "repo")
        checker = self.assertPasses(expect=["hello.txt", "notes.txt"])
        self.assertEqual(checker.root_versions, [1, 2, 3])


class BrokenRepositories(CheckerTestCase):
    """Each test breaks one thing and requires the checker to name it."""

    def test_bad_signature(self):
        RepoBuilder().write(self.repo)

        def flip(obj):
            sig = obj["signatures"][0]["sig"]
            obj["signatures"][0]["sig"] = ("0" if sig[0] != "0" else "1") + sig[1:]
        edit_json(self.path("metadata/1.targets.json"), flip)
        self.assertCaught("metadata/1.targets.json", "does not verify")
        self.assertCaught("metadata/1.targets.json", "signed by 0 valid key(s) of the targets role")

    def test_changed_signed_content(self):
        b = RepoBuilder()
        b.write(self.repo)
        edit_json(self.path("metadata/1.files.json"),
                  lambda o: o["signed"]["targets"]["files/a.txt"].update(length=8))
        self.assertCaught("metadata/1.files.json", "role 'files' as delegated by 'targets', threshold is 1")

    def test_below_threshold(self):
        b = RepoBuilder()
        b.roots[1]["signers"] = [key("ed-root1"), key("ecdsa-root2")]  # not ed-root3: 1 of 2 new keys
        b.write(self.repo)
        self.assertCaught("metadata/2.root.json", "signed by 1 valid key(s) of root v2's own root role, threshold is 2")

    def test_duplicate_signatures_count_once(self):
        b = RepoBuilder()
        b.roots[1]["signers"] = [key("ed-root1"), key("ecdsa-root2"), key("ed-root1")]
        b.write(self.repo)
        self.assertCaught("metadata/2.root.json", "two signatures with key ID %s" % keyid(key("ed-root1")))
        self.assertCaught("metadata/2.root.json", "signed by 1 valid key(s) of root v2's own root role")

    def test_below_threshold_of_delegated_role(self):
        b = RepoBuilder()
        b.targets["files"]["signers"] = [key("ed-other")]
        b.write(self.repo)
        self.assertCaught("metadata/1.files.json", "signed by 0 valid key(s) of role 'files'")

    def test_wrong_version_in_root_file_name(self):
        RepoBuilder().write(self.repo)
        os.rename(self.path("metadata/2.root.json"), self.path("metadata/3.root.json"))
        self.assertCaught("metadata/2.root.json", "missing, so a client never reaches root version(s) 3")

        shutil.rmtree(self.repo)
        b = RepoBuilder()
        b.roots[1]["signed"]["version"] = 3  # in 2.root.json
        b.write(self.repo)
        self.assertCaught("metadata/2.root.json", "\"version\" is 3, file name says 2")

    def test_wrong_version_in_targets_file_name(self):
        b = RepoBuilder()
        b.targets["deep"]["signed"]["version"] = 2
        b.edit_snapshot_meta = lambda meta: meta["deep.json"].update(version=3)
        b.write(self.repo)
        os.rename(self.path("metadata/2.deep.json"), self.path("metadata/3.deep.json"))
        self.assertCaught("metadata/3.deep.json",
                          "\"version\" is 2, metadata/1.snapshot.json lists deep.json version 3")

    def test_snapshot_meta_version_mismatch(self):
        b = RepoBuilder()
        b.write(self.repo)
        # The snapshot says targets.json is at version 2; 2.targets.json is
        # the same file as 1.targets.json, which says version 1.
        shutil.copy(self.path("metadata/1.targets.json"), self.path("metadata/2.targets.json"))
        b.edit_snapshot_meta = lambda meta: meta.update({"targets.json": {"version": 2}})
        b.write(self.repo)
        self.assertCaught("metadata/2.targets.json", "\"version\" is 1, metadata/1.snapshot.json lists "
                                                     "targets.json version 2")

    def test_snapshot_meta_hash_and_length_mismatch(self):
        b = RepoBuilder()
        b.edit_snapshot_meta = lambda meta: meta["targets.json"].update(
            length=meta["targets.json"]["length"] + 1, hashes={"sha256": "00" * 32})
        b.write(self.repo)
        self.assertCaught("metadata/1.targets.json", "metadata/1.snapshot.json lists targets.json with length")
        self.assertCaught("metadata/1.targets.json", "sha256 is")

    def test_timestamp_snapshot_version_mismatch(self):
        b = RepoBuilder()
        b.write(self.repo)
        shutil.copy(self.path("metadata/1.snapshot.json"), self.path("metadata/2.snapshot.json"))

        b.edit_timestamp_meta = lambda meta: meta.update({"snapshot.json": {"version": 2}})
        b.write(self.repo)
        self.assertCaught("metadata/2.snapshot.json", "timestamp.json lists snapshot version 2")

    def test_snapshot_not_listing_delegated_role(self):
        b = RepoBuilder()
        b.edit_snapshot_meta = lambda meta: meta.pop("bins.json")
        b.write(self.repo)
        self.assertCaught("metadata/1.snapshot.json", "does not list bins.json")
        self.assertCaught("targets/other/x.txt", "not found by a client's search", expect=["other/x.txt"])

    def test_target_hash_mismatch(self):
        b = RepoBuilder()
        b.write(self.repo)
        info = b.targets["targets"]["signed"]["targets"]["hello.txt"]
        copy_ = self.path("targets/%s.hello.txt" % info["hashes"]["sha256"])
        write(copy_, b"Hello, XYZ!\n")  # same length, other bytes
        rel = "targets/%s.hello.txt" % info["hashes"]["sha256"]
        self.assertCaught(rel, "sha256 is")
        self.assertCaught(rel, "sha512 is")  # every hash is checked on every copy

    def test_missing_hashed_target_file(self):
        b = RepoBuilder()
        b.write(self.repo)
        info = b.targets["targets"]["signed"]["targets"]["hello.txt"]
        rel = "targets/%s.hello.txt" % info["hashes"]["sha512"]
        os.remove(self.path(rel))  # the sha256 copy is still there
        self.assertCaught(rel, "missing: metadata/1.targets.json lists target 'hello.txt'")

    def test_missing_target_in_subdirectory(self):
        b = RepoBuilder()
        b.write(self.repo)
        digest = b.targets["targets"]["signed"]["targets"]["dir/sub/data.bin"]["hashes"]["sha256"]
        rel = "targets/dir/sub/%s.data.bin" % digest
        os.rename(self.path(rel), self.path("targets/%s.data.bin" % digest))  # wrong directory
        self.assertCaught(rel, "missing")

    def test_target_length_mismatch(self):
        b = RepoBuilder()
        b.write(self.repo)
        digest = b.targets["files"]["signed"]["targets"]["files/a.txt"]["hashes"]["sha512"]
        rel = "targets/files/%s.a.txt" % digest
        with open(self.path(rel), "ab") as f:
            f.write(b"!")
        self.assertCaught(rel, "is 8 bytes, metadata/1.files.json lists target 'files/a.txt' with length 7")

    def test_listed_length_mismatch(self):
        b = RepoBuilder()
        b.targets["deep"]["signed"]["targets"]["files/deep-1.txt"]["length"] = 100
        b.write(self.repo)
        self.assertCaught("targets/files/%s.deep-1.txt" %
                          b.targets["deep"]["signed"]["targets"]["files/deep-1.txt"]["hashes"]["sha512"],
                          "with length 100")

    def test_expired_timestamp(self):
        b = RepoBuilder()
        b.timestamp["signed"]["expires"] = rfc3339(NOW - datetime.timedelta(hours=1))
        b.write(self.repo)
        errors = self.assertCaught("metadata/timestamp.json", "expired at")
        self.assertEqual(len(errors), 1, errors)

    def test_expiry_against_now_option(self):
        RepoBuilder().write(self.repo)
        # In two days the timestamp (1 day) has expired, nothing else has.
        errors = self.assertCaught("metadata/timestamp.json", "expired at", now=NOW + datetime.timedelta(days=2))
        self.assertEqual(len(errors), 1, errors)

    def test_bad_expires_format(self):
        b = RepoBuilder()
        b.snapshot["signed"]["expires"] = in_days(7).replace("Z", "+00:00")
        b.write(self.repo)
        self.assertCaught("metadata/1.snapshot.json", "is not of the form YYYY-MM-DDTHH:MM:SSZ")

    def test_root_not_signed_by_previous_root(self):
        b = RepoBuilder()
        b.roots[1]["signers"] = [key("ed-root1"), key("ed-root3")]  # 1 of root v1's 2 keys
        b.write(self.repo)
        self.assertCaught("metadata/2.root.json",
                          "signed by 1 valid key(s) of root v1's root role (the previous root), threshold is 2")

    def test_root_signed_only_by_new_keys(self):
        b = RepoBuilder()
        b.roots[1]["signers"] = [key("ed-root3"), key("ed-root4")]
        b.write(self.repo)
        self.assertCaught("metadata/2.root.json", "signed by 0 valid key(s) of root v1's root role")

    def test_missing_first_root(self):
        RepoBuilder().write(self.repo)
        os.remove(self.path("metadata/1.root.json"))
        self.assertCaught("metadata/1.root.json", "missing")

    def test_duplicate_json_keys(self):
        RepoBuilder().write(self.repo)
        rel = "metadata/timestamp.json"
        with open(self.path(rel), "rb") as f:
            text = f.read().decode()
        # The duplicate has the same value, so the signature still verifies:
        # only the duplicate itself is wrong.
        text = text.replace('"_type": "timestamp"', '"_type": "timestamp", "_type": "timestamp"', 1)
        write(self.path(rel), text.encode())
        errors = self.assertCaught(rel, "duplicate JSON object key '_type'")
        self.assertEqual(len(errors), 1, errors)

    def test_float_in_metadata(self):
        RepoBuilder().write(self.repo)
        edit_json(self.path("metadata/1.bins.json"), lambda o: o["signed"].update(x=1.5))
        self.assertCaught("metadata/1.bins.json", "floating-point number 1.5")

    def test_wrong_key_id(self):
        b = RepoBuilder()
        # The timestamp key listed, used and signed under a key ID that is
        # not the hash of the key: everything else consistent.
        wrong = hashlib.sha256(b"not the key").hexdigest()
        right = keyid(key("ed-ts"))
        for root in b.roots:
            signed = root["signed"]
            signed["keys"][wrong] = signed["keys"].pop(right)
            signed["roles"]["timestamp"]["keyids"] = [wrong]
        b.write(self.repo)
        edit_json(self.path("metadata/timestamp.json"),
                  lambda o: o["signatures"][0].update(keyid=wrong))
        errors = self.assertCaught("metadata/1.root.json", "key ID should be %s" % right)
        self.assertEqual({e["file"] for e in errors}, {"metadata/1.root.json", "metadata/2.root.json"}, errors)
        # Without --strict-keyids it is a warning only.
        checker = self.check(strict_keyids=False)
        self.assertEqual(checker.report.errors, [])
        self.assertTrue(any("key ID should be" in w["message"] for w in checker.report.warnings))

    def test_wrong_key_id_of_delegated_key(self):
        b = RepoBuilder()
        delegations = b.targets["targets"]["signed"]["delegations"]
        right = keyid(key("ed-files"))
        delegations["keys"]["ff" * 32] = delegations["keys"].pop(right)
        b.write(self.repo)
        self.assertCaught("metadata/1.targets.json", "delegations key %s: key ID should be %s" % ("ff" * 32, right))

    def test_target_outside_delegated_paths(self):
        b = RepoBuilder()
        b.add_target("files", "elsewhere/b.txt", b"b\n", ("sha256",))
        b.write(self.repo)
        self.assertCaught("metadata/1.files.json", "target 'elsewhere/b.txt' is outside the paths delegated to role "
                                                   "'files'")

    def test_wildcard_does_not_match_slash(self):
        b = RepoBuilder()
        b.add_target("deep", "files/deep-x/y.txt", b"y\n", ("sha256",))  # files/deep-* does not cover it
        b.write(self.repo)
        self.assertCaught("metadata/1.deep.json", "target 'files/deep-x/y.txt' is outside the paths")

    def test_terminating_delegation_stops_search(self):
        b = RepoBuilder()
        # bins covers every path, but comes after the terminating "files"
        # delegation, so files/* targets are never taken from bins.
        b.add_target("bins", "files/z.txt", b"z\n", ("sha256",))
        b.write(self.repo)
        self.assertCaught("targets/files/z.txt", "not found", expect=["files/z.txt"])
        self.assertPasses(expect=["files/a.txt"])

    def test_unsafe_target_paths_refused(self):
        b = RepoBuilder()
        b.add_target("targets", "../escape.txt", b"e\n", ("sha256",))
        b.add_target("targets", "/etc/passwd", b"p\n", ("sha256",))
        b.contents = {p: d for p, d in b.contents.items() if not p.startswith(("..", "/"))}
        b.write(self.repo)
        self.assertCaught("metadata/1.targets.json", "target '../escape.txt' refused: target path contains \"..\"")
        self.assertCaught("metadata/1.targets.json", "target '/etc/passwd' refused: absolute target path")

    def test_symlink_out_of_repository_refused(self):
        b = RepoBuilder()
        b.write(self.repo)
        digest = b.targets["bins"]["signed"]["targets"]["other/x.txt"]["hashes"]["sha256"]
        rel = "targets/other/%s.x.txt" % digest
        outside = os.path.join(self.tmp, "outside.txt")
        shutil.move(self.path(rel), outside)
        os.symlink(outside, self.path(rel))
        self.assertCaught(rel, "outside the repository")

    def test_delegation_with_both_paths_and_prefixes(self):
        b = RepoBuilder()
        b.targets["targets"]["signed"]["delegations"]["roles"][1]["paths"] = ["other/*"]
        b.write(self.repo)
        self.assertCaught("metadata/1.targets.json", "has both \"paths\" and \"path_hash_prefixes\"")

    def test_spec_version_major(self):
        b = RepoBuilder()
        b.snapshot["signed"]["spec_version"] = "2.0.0"
        b.write(self.repo)
        self.assertCaught("metadata/1.snapshot.json", "major version is not 1")

    def test_wrong_type(self):
        b = RepoBuilder()
        b.timestamp["signed"]["_type"] = "snapshot"
        b.write(self.repo)
        self.assertCaught("metadata/timestamp.json", "\"_type\" is 'snapshot', expected 'timestamp'")


class CommandLine(CheckerTestCase):
    def run_checker(self, *args):
        return subprocess.run([sys.executable, CHECKER, *args], capture_output=True, text=True)

    def test_exit_status_and_output(self):
        RepoBuilder().write(self.repo)
        ok = self.run_checker(self.repo, "--expect-target", "files/a.txt")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("root v2 (2 versions), timestamp v1, snapshot v1, targets v1, 3 delegated roles, 5 targets",
                      ok.stdout)

        expired = self.run_checker(self.repo, "--now", rfc3339(NOW + datetime.timedelta(days=400)))
        self.assertEqual(expired.returncode, 1)
        self.assertIn("error: metadata/2.root.json: expired at", expired.stderr)
        self.assertNotIn("1.root.json", expired.stderr)  # intermediate roots may expire (spec 5.3.6)

        report = self.run_checker(self.repo, "--json", "--expect-target", "nope")
        self.assertEqual(report.returncode, 1)
        parsed = json.loads(report.stdout)
        self.assertFalse(parsed["ok"])
        self.assertEqual(parsed["errors"], [{"file": "targets/nope", "message":
                                             "expected target is not found by a client's search of the targets roles"}])
        self.assertEqual(parsed["root_versions"], [1, 2])

    def test_usage_errors(self):
        self.assertEqual(self.run_checker().returncode, 2)
        self.assertEqual(self.run_checker(os.path.join(self.tmp, "none")).returncode, 2)
        os.makedirs(self.repo)
        self.assertEqual(self.run_checker(self.repo, "--now", "yesterday").returncode, 2)

    def test_main_in_process(self):
        RepoBuilder().write(self.repo)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = tuf_spec_check.main([self.repo, "--json"])
        self.assertEqual(status, 0, err.getvalue())
        self.assertEqual(sorted(json.loads(out.getvalue())["targets"]),
                         ["dir/sub/data.bin", "files/a.txt", "files/deep-1.txt", "hello.txt", "other/x.txt"])


class PathPatterns(unittest.TestCase):
    def test_spec_examples(self):
        # The PATHPATTERN examples of the specification's section 4.5.
        match = tuf_spec_check.path_matches_pattern
        self.assertTrue(match("targets/foo.tgz", "targets/*.tgz"))
        self.assertFalse(match("targets/foo.txt", "targets/*.tgz"))
        self.assertTrue(match("foo-version-2.tgz", "foo-version-?.tgz"))
        self.assertFalse(match("foo-version-alpha.tgz", "foo-version-?.tgz"))
        self.assertTrue(match("foo.tgz", "*.tgz"))
        self.assertFalse(match("targets/foo.tgz", "*.tgz"))
        self.assertTrue(match("foo.tgz", "foo.tgz"))
        self.assertFalse(match("bar.tgz", "foo.tgz"))


if __name__ == "__main__":
    unittest.main()
