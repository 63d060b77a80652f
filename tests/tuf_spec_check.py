#!/usr/bin/python3
"""An independent checker of TUF repositories, written against the TUF
specification 1.0.x (https://theupdateframework.github.io/specification/latest/),
not against bsi's C++ code.

Why it exists: bsi writes TUF repositories and reads them with its own
client. A bug shared by the writer and the reader (the same misreading of the
specification on both sides) would pass every round-trip test. This program
shares no code with bsi: it uses only Python's standard library and
securesystemslib (canonical JSON, signature verification), and follows the
specification's client workflow (section 5, "Detailed client workflow") plus
the repository-side rules (section 6, "Consistent snapshots", and the file
formats of section 4), so a repository bsi writes can be checked against the
text of the specification.

    tuf_spec_check.py [options] DIR

DIR is laid out as TUF repositories conventionally are:

    DIR/metadata/1.root.json ... N.root.json   every root version, contiguous
    DIR/metadata/timestamp.json                never versioned
    DIR/metadata/V.snapshot.json               V from timestamp.json
    DIR/metadata/V.targets.json                V from the snapshot
    DIR/metadata/V.<role>.json                 delegated targets roles
    DIR/targets/<dir>/<hash>.<basename>        one copy per listed hash

(with consistent_snapshot false: snapshot.json, targets.json, <role>.json and
targets/<path>, unversioned and unhashed).

What it checks (each violation is reported; exit status 1 if any error):

  * Every metadata file: its bytes are UTF-8 JSON with no duplicate object
    keys and no floats (canonical JSON cannot encode them); the envelope is
    {"signed", "signatures"}; "_type", "spec_version" (semver, major 1),
    "version" (integer > 0) and "expires" ("YYYY-MM-DDTHH:MM:SSZ").
  * Keys: supported type/scheme pairs (ed25519, ecdsa-sha2-nistp256,
    rsassa-pss-sha256 with RSA >= 2048 bits); every key ID is the hex SHA-256
    of the canonical JSON of the key object as it is written (spec 4.2: "a
    hexdigest of the SHA-256 hash of the canonical form of the key"); one key
    per key ID across the whole repository.
  * Signatures: over encode_canonical(signed); verified with securesystemslib;
    thresholds counted over distinct key IDs that the role lists; signatures
    by unknown keys are ignored; an invalid signature by a key the role lists,
    or two signatures with one key ID (spec 4.2: "not allowed"), is an error.
  * Root (5.3): 1.root.json .. N.root.json contiguous; 1.root.json signed by a
    threshold of its own root keys; each N+1 signed by a threshold of root N's
    root keys AND of its own (5.3.4); its version is N+1 (5.3.5); only the
    newest root must be unexpired (5.3.6, 5.3.10); all four top-level roles
    defined; key IDs that roles list exist in "keys".
  * Timestamp (5.4): timestamp.json signed by the timestamp role; unexpired;
    "meta" describes only snapshot.json.
  * Snapshot (5.5): the file timestamp.json names (V.snapshot.json) matches
    its length and hashes if listed, is signed by the snapshot role, has
    version V, is unexpired, and lists targets.json and every delegated role
    reachable from it.
  * Targets (5.6): targets.json and each delegated role, visited pre-order
    depth-first in order of appearance, match the snapshot's version (and
    length/hashes if listed), are signed by a threshold of the delegating
    role's keys (root's "targets" role for the top), are unexpired.
    Delegations: unique role names, "terminating" present, at most one of
    "paths" / "path_hash_prefixes"; a target listed by a delegated role must
    be within the paths of every delegation in its chain (glob-like: a
    wildcard never matches "/").
  * Target files (5.7.3, 6.1): every target that any role lists has, for
    EVERY hash listed, a file targets/<dir>/<hash>.<basename> of exactly the
    listed length whose every listed hash matches. Target paths that are
    absolute or contain ".." are refused; files are never read through a
    symbolic link that leads out of DIR.
  * --expect-target PATH: a client's search (5.6.7, honouring order and
    terminating delegations) finds PATH.

After a violation the checker carries on as if the step had passed, so that
one run reports every problem; a client would stop at the first.

Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage errors.
Needs Debian's python3-securesystemslib; if the python3 that runs it lacks
it (e.g. a pyenv interpreter first in PATH), it re-runs under /usr/bin/python3.
"""

import argparse
import datetime
import fnmatch
import hashlib
import json
import os
import re
import sys

try:
    from securesystemslib import exceptions as sslib_exceptions
    from securesystemslib import keys as sslib_keys
    from securesystemslib.formats import encode_canonical
except ImportError:  # pragma: no cover - depends on the interpreter
    _SYSTEM_PYTHON = "/usr/bin/python3"
    if (os.path.exists(_SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(_SYSTEM_PYTHON)
            and not os.environ.get("TUF_SPEC_CHECK_REEXEC")):
        os.environ["TUF_SPEC_CHECK_REEXEC"] = "1"
        os.execv(_SYSTEM_PYTHON, [_SYSTEM_PYTHON, *sys.argv])
    sys.stderr.write("tuf_spec_check: needs securesystemslib (apt-get install python3-securesystemslib)\n")
    sys.exit(2)

TOP_LEVEL_ROLES = ("root", "timestamp", "snapshot", "targets")

# Key type -> the schemes this checker accepts for it (spec 4.2; the brief
# of this checker: ed25519, ecdsa-sha2-nistp256, rsassa-pss-sha256).
SUPPORTED_KEYS = {
    "ed25519": {"ed25519"},
    "ecdsa": {"ecdsa-sha2-nistp256"},
    "ecdsa-sha2-nistp256": {"ecdsa-sha2-nistp256"},
    "rsa": {"rsassa-pss-sha256"},
}

# Hash functions a HASHES object may name. Any other name is reported: a
# client cannot verify it.
HASH_FUNCTIONS = {
    "sha224": lambda: hashlib.sha224(),
    "sha256": lambda: hashlib.sha256(),
    "sha384": lambda: hashlib.sha384(),
    "sha512": lambda: hashlib.sha512(),
    "sha3_256": lambda: hashlib.sha3_256(),
    "sha3_512": lambda: hashlib.sha3_512(),
    "blake2b": lambda: hashlib.blake2b(),
    "blake2b-256": lambda: hashlib.blake2b(digest_size=32),
}

EXPIRES_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                       r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
HEX_RE = re.compile(r"^[0-9a-f]+$")
KEYID_RE = re.compile(r"^[0-9a-f]{64}$")
VERSIONED_RE = re.compile(r"^([1-9][0-9]*)\.(.+)\.json$")


def is_int(value):
    """JSON integers; Python's bool is an int but JSON's true is not."""
    return isinstance(value, int) and not isinstance(value, bool)


def canonical_bytes(obj):
    return encode_canonical(obj).encode("utf-8")


class Report:
    """Every violation found, in order, without repeats."""

    def __init__(self):
        self.errors = []
        self.warnings = []
        self._seen = set()

    def _add(self, kind, where, file, what):
        if (kind, file, what) not in self._seen:
            self._seen.add((kind, file, what))
            where.append({"file": file, "message": what})

    def error(self, file, what):
        self._add("error", self.errors, file, what)

    def warn(self, file, what):
        self._add("warning", self.warnings, file, what)


class RepoFiles:
    """Reads files under the repository directory, refusing any path that
    resolves (through "..", or a symbolic link) to outside it."""

    def __init__(self, base):
        self.base = os.path.realpath(base)

    def resolve(self, rel):
        """The real path of rel, or raises ValueError if it leaves base."""
        real = os.path.realpath(os.path.join(self.base, rel))
        if os.path.commonpath([self.base, real]) != self.base:
            raise ValueError("resolves to %s, outside the repository (symbolic link?)" % real)
        return real

    def exists(self, rel):
        try:
            return os.path.isfile(self.resolve(rel))
        except ValueError:
            return os.path.lexists(os.path.join(self.base, rel))

    def read(self, rel):
        """The bytes of rel; raises ValueError with a message if they cannot
        be read safely."""
        real = self.resolve(rel)
        if not os.path.lexists(os.path.join(self.base, rel)):
            raise ValueError("missing")
        if not os.path.isfile(real):
            raise ValueError("not a regular file")
        with open(real, "rb") as f:
            return f.read()

    def listdir(self, rel):
        try:
            return sorted(os.listdir(self.resolve(rel)))
        except (OSError, ValueError):
            return None


def parse_json(raw):
    """Parses bytes as JSON; returns (value, problems). Problems are the
    things a strict reader must refuse that json.loads would let through:
    duplicate keys (last-one-wins would make two readers disagree), floats
    and non-JSON constants (canonical JSON has neither)."""
    problems = []

    def pairs_hook(pairs):
        obj = {}
        for key, value in pairs:
            if key in obj:
                problems.append("duplicate JSON object key %r" % key)
            obj[key] = value
        return obj

    def float_hook(text):
        problems.append("floating-point number %s (canonical JSON has no floats)" % text)
        return float(text)

    def constant_hook(name):
        raise ValueError("%s is not JSON" % name)

    if raw.startswith(b"\xef\xbb\xbf"):
        raise ValueError("starts with a UTF-8 byte order mark")
    text = raw.decode("utf-8")  # raises UnicodeDecodeError, a ValueError
    value = json.loads(text, object_pairs_hook=pairs_hook, parse_float=float_hook,
                       parse_constant=constant_hook)
    return value, problems


def hash_format_problems(hashes, what):
    """Problems with a HASHES object itself (spec 4.4): a non-empty object of
    supported hash function -> lower-case hex digest."""
    if not isinstance(hashes, dict) or not hashes:
        return ["%s: \"hashes\" must be a non-empty object" % what]
    problems = []
    for name, expected in hashes.items():
        if name not in HASH_FUNCTIONS:
            problems.append("%s: unsupported hash function %r" % (what, name))
        elif not isinstance(expected, str) or not HEX_RE.match(expected):
            problems.append("%s: %s hash %r is not lower-case hex" % (what, name, expected))
    return problems


def hash_mismatches(data, hashes, what):
    """The well-formed entries of a HASHES object that data does not match."""
    problems = []
    for name, expected in (hashes.items() if isinstance(hashes, dict) else ()):
        make = HASH_FUNCTIONS.get(name)
        if make is None or not isinstance(expected, str) or not HEX_RE.match(expected):
            continue  # reported by hash_format_problems
        h = make()
        h.update(data)
        if h.hexdigest() != expected:
            problems.append("%s: %s is %s, but %s is listed" % (what, name, h.hexdigest(), expected))
    return problems


class Metadata:
    """One parsed metadata file."""

    def __init__(self, rel, raw, signed, signatures):
        self.rel = rel
        self.raw = raw
        self.signed = signed
        self.signatures = signatures

    @property
    def version(self):
        return self.signed.get("version")


def path_matches_pattern(path, pattern):
    """Spec 4.5 PATHPATTERN: shell-style wildcards where a wildcard never
    matches the directory separator "/" (glob, not fnmatch): compare segment
    by segment."""
    path_parts = path.split("/")
    pattern_parts = pattern.split("/")
    if len(path_parts) != len(pattern_parts):
        return False
    return all(fnmatch.fnmatchcase(p, q) for p, q in zip(path_parts, pattern_parts))


def delegation_covers(delegation, path):
    """Whether a delegation's "paths" or "path_hash_prefixes" covers path."""
    if isinstance(delegation.get("paths"), list):
        return any(isinstance(p, str) and path_matches_pattern(path, p) for p in delegation["paths"])
    if isinstance(delegation.get("path_hash_prefixes"), list):
        digest = hashlib.sha256(path.encode("utf-8")).hexdigest()
        return any(isinstance(p, str) and digest.startswith(p) for p in delegation["path_hash_prefixes"])
    return False


def target_path_problem(path):
    """Why a TARGETPATH cannot be used safely as a file name, or None."""
    if not path:
        return "empty target path"
    if "\0" in path:
        return "target path contains a NUL character"
    if path.startswith("/") or path.startswith("\\") or re.match(r"^[A-Za-z]:", path):
        return "absolute target path"
    parts = re.split(r"[/\\]", path)
    if ".." in parts:
        return "target path contains \"..\""
    return None


class Checker:
    def __init__(self, base, now, strict_keyids=True, check_target_files=True):
        self.files = RepoFiles(base)
        self.now = now
        self.strict_keyids = strict_keyids
        self.check_target_files = check_target_files
        self.report = Report()
        self.keyid_owner = {}  # key ID -> canonical key, over the whole repository
        self.root = None  # the trusted (newest reachable) root Metadata
        self.root_keys, self.root_roles = {}, {}  # its usable keys and roles
        self.root_versions = []
        self.consistent = True
        self.versions = {}  # role name -> version checked
        self.targets_md = {}  # role name -> Metadata of a visited targets role
        self.listed_targets = {}  # target path -> (role, info) first listing, pre-order

    # -- Reporting helpers --------------------------------------------------

    def error(self, rel, what):
        self.report.error(rel, what)

    def warn(self, rel, what):
        self.report.warn(rel, what)

    # -- Loading ------------------------------------------------------------

    def read(self, rel, what_missing=None):
        try:
            return self.files.read(rel)
        except (OSError, ValueError) as e:
            self.error(rel, what_missing if (what_missing and str(e) == "missing") else str(e))
            return None

    def load(self, rel, expected_type, raw=None):
        """Reads and parses a metadata file and checks the fields every role
        has (spec 4.2, 4.3). Returns a Metadata, or None if it is unusable."""
        if raw is None:
            raw = self.read(rel)
            if raw is None:
                return None
        try:
            value, problems = parse_json(raw)
        except ValueError as e:
            self.error(rel, "not valid JSON: %s" % e)
            return None
        for problem in problems:
            self.error(rel, problem)
        if not isinstance(value, dict) or not isinstance(value.get("signed"), dict):
            self.error(rel, "not a signed metadata object: expected {\"signed\": {...}, \"signatures\": [...]}")
            return None
        extra = sorted(set(value) - {"signed", "signatures"})
        if extra:
            self.warn(rel, "unexpected top-level field(s) %s" % ", ".join(extra))
        signatures = value.get("signatures")
        if not isinstance(signatures, list):
            self.error(rel, "\"signatures\" must be a list")
            signatures = []
        signed = value["signed"]
        md = Metadata(rel, raw, signed, signatures)

        if signed.get("_type") != expected_type:
            self.error(rel, "\"_type\" is %r, expected %r" % (signed.get("_type"), expected_type))
        spec_version = signed.get("spec_version")
        if not isinstance(spec_version, str) or not SEMVER_RE.match(spec_version):
            self.error(rel, "\"spec_version\" %r is not a semantic version" % (spec_version,))
        elif SEMVER_RE.match(spec_version).group(1) != "1":
            self.error(rel, "\"spec_version\" %s: major version is not 1" % spec_version)
        if not is_int(signed.get("version")) or signed["version"] < 1:
            self.error(rel, "\"version\" %r is not an integer greater than 0" % (signed.get("version"),))
        self.parse_expires(md)
        try:
            canonical_bytes(signed)
        except sslib_exceptions.FormatError as e:
            self.error(rel, "\"signed\" has no canonical JSON form: %s" % e)
        return md

    def parse_expires(self, md):
        """The "expires" date-time (spec 4.3: "YYYY-MM-DDTHH:MM:SSZ", UTC),
        or None if it is malformed."""
        expires = md.signed.get("expires")
        m = EXPIRES_RE.match(expires) if isinstance(expires, str) else None
        if m:
            try:
                return datetime.datetime(*map(int, m.groups()), tzinfo=datetime.timezone.utc)
            except ValueError:
                pass
        self.error(md.rel, "\"expires\" %r is not of the form YYYY-MM-DDTHH:MM:SSZ" % (expires,))
        return None

    def check_expiry(self, md):
        """Spec 5.3.10, 5.4.4, 5.5.6, 5.6.5: expires MUST be later than the
        update start time."""
        expires = self.parse_expires(md)
        if expires is not None and expires <= self.now:
            self.error(md.rel, "expired at %s (checked at %s)" %
                       (md.signed["expires"], self.now.strftime("%Y-%m-%dT%H:%M:%SZ")))

    # -- Keys and signatures ------------------------------------------------

    def check_keys(self, rel, keys, where):
        """Validates a KEYID -> KEY object (root "keys", delegations "keys");
        returns the usable keys in securesystemslib's form (with "keyid")."""
        usable = {}
        if not isinstance(keys, dict):
            self.error(rel, "%s must be an object of key ID -> key" % where)
            return usable
        for keyid, key in keys.items():
            label = "%s key %s" % (where, keyid)
            if not KEYID_RE.match(keyid):
                self.error(rel, "%s: key ID is not 64 lower-case hex digits" % label)
            if not isinstance(key, dict) or not isinstance(key.get("keyval"), dict) \
                    or not isinstance(key["keyval"].get("public"), str):
                self.error(rel, "%s: not a key object {keytype, scheme, keyval: {public}}" % label)
                continue
            keytype, scheme, public = key.get("keytype"), key.get("scheme"), key["keyval"]["public"]
            if scheme not in SUPPORTED_KEYS.get(keytype, ()):
                self.error(rel, "%s: unsupported key type/scheme %r/%r" % (label, keytype, scheme))
                continue
            if "private" in key["keyval"] and key["keyval"]["private"]:
                self.error(rel, "%s: a private key is published" % label)
            problem = self.public_key_problem(keytype, public)
            if problem:
                self.error(rel, "%s: %s" % (label, problem))
                continue
            self.check_keyid(rel, label, keyid, key)
            # Usable even under a wrong key ID (reported above), so that one
            # wrong ID does not also fail every threshold that uses the key.
            usable[keyid] = {"keyid": keyid, "keytype": keytype, "scheme": scheme,
                             "keyval": {"public": public}}
        return usable

    @staticmethod
    def public_key_problem(keytype, public):
        if keytype == "ed25519":
            return None if re.match(r"^[0-9a-f]{64}$", public) else \
                "ed25519 public key is not 64 lower-case hex digits"
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa
        except ImportError:  # pragma: no cover - securesystemslib needs it anyway
            return None
        try:
            loaded = serialization.load_pem_public_key(public.encode("utf-8"))
        except ValueError as e:
            return "public key is not a PEM public key: %s" % e
        if keytype == "rsa":
            if not isinstance(loaded, rsa.RSAPublicKey):
                return "public key is not an RSA key"
            if loaded.key_size < 2048:
                return "RSA key of %d bits (spec 4.2: at least 2048)" % loaded.key_size
        elif not isinstance(loaded, ec.EllipticCurvePublicKey) or loaded.curve.name != "secp256r1":
            return "public key is not an ECDSA NIST P-256 key"
        return None

    def check_keyid(self, rel, label, keyid, key):
        """Spec 4.2/4.3: KEYID is the hex SHA-256 of the canonical form of the
        key, and one key ID names one key. The key is hashed as it is written,
        so a legacy key object with "keyid_hash_algorithms" hashes with it."""
        try:
            canonical = encode_canonical(key)
        except sslib_exceptions.FormatError as e:
            self.error(rel, "%s: no canonical JSON form: %s" % (label, e))
            return
        computed = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        if computed != keyid:
            what = "%s: key ID should be %s (sha256 of the key's canonical JSON)" % (label, computed)
            legacy = dict(key, keyid_hash_algorithms=["sha256", "sha512"])
            if hashlib.sha256(encode_canonical(legacy).encode("utf-8")).hexdigest() == keyid:
                what += "; it is the legacy securesystemslib key ID, which hashes a " \
                        "\"keyid_hash_algorithms\" field the key object does not have"
            (self.error if self.strict_keyids else self.warn)(rel, what)
        previous = self.keyid_owner.setdefault(keyid, canonical)
        if previous != canonical:
            self.error(rel, "%s: key ID names a different key elsewhere in the repository" % label)

    def check_role_def(self, rel, label, role, keys):
        """A role's {"keyids", "threshold"}; returns it if usable."""
        if not isinstance(role, dict):
            self.error(rel, "%s: not an object" % label)
            return None
        keyids, threshold = role.get("keyids"), role.get("threshold")
        usable = True
        if not isinstance(keyids, list) or not all(isinstance(k, str) for k in keyids):
            self.error(rel, "%s: \"keyids\" must be a list of key IDs" % label)
            keyids, usable = [], False
        if len(set(keyids)) != len(keyids):
            self.error(rel, "%s: \"keyids\" lists a key ID more than once" % label)
        for keyid in keyids:
            if keyid not in keys:
                self.error(rel, "%s: key ID %s is not among the usable keys" % (label, keyid))
        if not is_int(threshold) or threshold < 1:
            self.error(rel, "%s: \"threshold\" %r is not an integer >= 1" % (label, threshold))
            usable = False
        elif threshold > len(set(keyids)):
            self.error(rel, "%s: threshold %d is more than its %d key(s)" % (label, threshold, len(set(keyids))))
        return role if usable else None

    def check_signatures(self, md, keys, role, signer):
        """Whether md is signed by a threshold of role's keys (spec 5.3.4,
        5.4.2, 5.5.3, 5.6.3). Counts distinct key IDs the role lists whose
        signature verifies over the canonical JSON of "signed"; ignores
        signatures by keys the role does not list."""
        try:
            data = canonical_bytes(md.signed)
        except sslib_exceptions.FormatError:
            return False  # reported by load()
        authorised = set(role.get("keyids", []))
        seen, valid = set(), set()
        for sig in md.signatures:
            if not isinstance(sig, dict) or not isinstance(sig.get("keyid"), str) \
                    or not isinstance(sig.get("sig"), str):
                self.error(md.rel, "malformed signature entry %r" % (sig,))
                continue
            keyid = sig["keyid"]
            if keyid in seen:
                self.error(md.rel, "two signatures with key ID %s (spec 4.2: not allowed)" % keyid)
                continue
            seen.add(keyid)
            if keyid not in authorised or keyid not in keys:
                continue  # not this role's key: a client ignores it
            # A client only needs a threshold of valid signatures, but an
            # invalid one by a key the role lists is always a writer's bug.
            try:
                ok = sslib_keys.verify_signature(keys[keyid], {"keyid": keyid, "sig": sig["sig"]}, data)
            except (sslib_exceptions.Error, ValueError, TypeError) as e:
                self.error(md.rel, "signature by key %s (%s) cannot be verified: %s" % (keyid, signer, e))
                continue
            if ok:
                valid.add(keyid)
            else:
                self.error(md.rel, "signature by key %s (%s) does not verify" % (keyid, signer))
        threshold = role.get("threshold")
        if is_int(threshold) and len(valid) < threshold:
            self.error(md.rel, "signed by %d valid key(s) of %s, threshold is %d" % (len(valid), signer, threshold))
            return False
        return True

    def check_meta_entry(self, referrer, name, entry):
        """A METAFILES entry {"version", ("length"), ("hashes")}; returns the
        version, or None."""
        if not isinstance(entry, dict):
            self.error(referrer, "meta[%r] is not an object" % name)
            return None
        version = entry.get("version")
        if not is_int(version) or version < 1:
            self.error(referrer, "meta[%r].version %r is not an integer > 0" % (name, version))
            version = None
        if "length" in entry and (not is_int(entry["length"]) or entry["length"] < 0):
            self.error(referrer, "meta[%r].length %r is not an integer >= 0" % (name, entry["length"]))
        if "hashes" in entry:
            for problem in hash_format_problems(entry["hashes"], "meta[%r]" % name):
                self.error(referrer, problem)
        return version

    def check_meta_bytes(self, referrer, name, entry, rel, raw):
        """Spec 5.5.2 / 5.6.2: the file's length and hashes match those its
        referrer lists, if it lists them."""
        if is_int(entry.get("length")) and entry["length"] != len(raw):
            self.error(rel, "is %d bytes, %s lists %s with length %d" % (len(raw), referrer, name, entry["length"]))
        for problem in hash_mismatches(raw, entry.get("hashes"), "hashes listed in %s" % referrer):
            self.error(rel, problem)

    def metadata_name(self, role, version):
        """Spec 5.5.1 / 5.6.1: VERSION.ROLE.json with consistent snapshots."""
        return "metadata/%d.%s.json" % (version, role) if self.consistent else "metadata/%s.json" % role

    # -- Root (5.3) -----------------------------------------------------------

    def check_root_chain(self):
        names = self.files.listdir("metadata")
        if names is None:
            self.error("metadata", "missing metadata directory")
            return
        versions = set()
        for name in names:
            m = VERSIONED_RE.match(name)
            if m and m.group(2) == "root":
                versions.add(int(m.group(1)))
            elif name.endswith(".root.json"):
                self.warn("metadata/" + name, "not named VERSION.root.json with a version > 0")
        if 1 not in versions:
            self.error("metadata/1.root.json", "missing: a repository publishes every root version from 1")
            return
        previous = None
        version = 1
        while version in versions:
            rel = "metadata/%d.root.json" % version
            md = self.load(rel, "root")
            if md is None:
                break  # cannot go on with a root that does not parse
            if md.version != version:
                self.error(rel, "\"version\" is %r, file name says %d (spec 5.3.5)" % (md.version, version))
            keys, roles = self.check_root_fields(md)
            root_role = roles.get("root")
            if root_role:
                # 5.3.4 (2): signed by a threshold of its own root keys. For
                # 1.root.json, which a client ships, that is a repository
                # convention: the first root is self-signed.
                self.check_signatures(md, keys, root_role, "root v%d's own root role" % version)
            if previous is not None:
                prev_keys, prev_roles = previous
                if prev_roles.get("root"):
                    # 5.3.4 (1): signed by a threshold of the previous root's keys.
                    self.check_signatures(md, prev_keys, prev_roles["root"],
                                          "root v%d's root role (the previous root)" % (version - 1))
            previous = (keys, roles)
            self.root = md
            self.root_keys, self.root_roles = keys, roles
            self.root_versions.append(version)
            version += 1
        later = sorted(v for v in versions if v >= version)
        if later:
            self.error("metadata/%d.root.json" % version,
                       "missing, so a client never reaches root version(s) %s" % ", ".join(map(str, later)))
        if self.root is None:
            return
        self.check_expiry(self.root)  # 5.3.10: only the newest root must be unexpired
        consistent = self.root.signed.get("consistent_snapshot", False)
        if not isinstance(consistent, bool):
            self.error(self.root.rel, "\"consistent_snapshot\" must be a boolean")
            consistent = True
        self.consistent = consistent
        if self.files.exists("metadata/root.json"):
            try:
                same = self.files.read("metadata/root.json") == self.root.raw
            except (OSError, ValueError):
                same = False
            if not same:
                self.warn("metadata/root.json", "differs from the newest root, %s" % self.root.rel)

    def check_root_fields(self, md):
        """Root's "keys" and "roles" (spec 4.3); returns (usable keys, usable roles)."""
        rel = md.rel
        keys = self.check_keys(rel, md.signed.get("keys"), "root")
        roles = md.signed.get("roles")
        usable_roles = {}
        if not isinstance(roles, dict):
            self.error(rel, "\"roles\" must be an object")
            return keys, usable_roles
        for name in TOP_LEVEL_ROLES:
            if name not in roles:
                self.error(rel, "\"roles\" has no %r role" % name)
        for name, role in roles.items():
            if name not in TOP_LEVEL_ROLES and name != "mirrors":
                self.warn(rel, "\"roles\" defines unknown role %r" % name)
            checked = self.check_role_def(rel, "roles.%s" % name, role, keys)
            if checked:
                usable_roles[name] = checked
        if "consistent_snapshot" not in md.signed:
            self.warn(rel, "no \"consistent_snapshot\" (spec 4.3: new implementations SHOULD include it)")
        return keys, usable_roles

    # -- Timestamp (5.4) and snapshot (5.5) ---------------------------------

    def check_timestamp(self):
        rel = "metadata/timestamp.json"
        md = self.load(rel, "timestamp")
        if md is None:
            return None
        role = self.root_roles.get("timestamp")
        if role:
            self.check_signatures(md, self.root_keys, role, "the timestamp role")
        self.check_expiry(md)
        self.versions["timestamp"] = md.version
        meta = md.signed.get("meta")
        if not isinstance(meta, dict) or "snapshot.json" not in meta:
            self.error(rel, "\"meta\" must describe snapshot.json")
            return None
        if set(meta) != {"snapshot.json"}:
            self.error(rel, "\"meta\" must describe only snapshot.json (spec 4.6), has %s" % ", ".join(sorted(meta)))
        entry = meta["snapshot.json"]
        version = self.check_meta_entry(rel, "snapshot.json", entry)
        if is_int(md.version) and self.consistent:
            copy = "metadata/%d.timestamp.json" % md.version
            if self.files.exists(copy) and self.read(copy) != md.raw:
                self.warn(copy, "differs from timestamp.json, which has the same version")
        return (entry, version) if version is not None else None

    def check_snapshot(self, from_timestamp):
        entry, version = from_timestamp
        rel = self.metadata_name("snapshot", version)
        raw = self.read(rel, "missing, but timestamp.json lists snapshot version %d" % version)
        if raw is None:
            return None
        self.check_meta_bytes("metadata/timestamp.json", "snapshot.json", entry, rel, raw)
        md = self.load(rel, "snapshot", raw)
        if md is None:
            return None
        role = self.root_roles.get("snapshot")
        if role:
            self.check_signatures(md, self.root_keys, role, "the snapshot role")
        if md.version != version:
            self.error(rel, "\"version\" is %r, timestamp.json lists snapshot version %d (spec 5.5.4)" %
                       (md.version, version))
        self.check_expiry(md)
        self.versions["snapshot"] = md.version
        meta = md.signed.get("meta")
        if not isinstance(meta, dict):
            self.error(rel, "\"meta\" must be an object")
            return None
        for name, item in meta.items():
            if not name.endswith(".json"):
                self.error(rel, "meta[%r]: not a metadata file name ROLE.json" % name)
            self.check_meta_entry(rel, name, item)
            if name in ("root.json", "timestamp.json", "snapshot.json"):
                self.warn(rel, "meta lists %s; snapshot lists only targets metadata (spec 4.4)" % name)
        if "targets.json" not in meta:
            self.error(rel, "\"meta\" does not list targets.json (spec 4.4: it MUST)")
        return md

    # -- Targets (5.6) and delegations ----------------------------------------

    def load_targets_role(self, name, snapshot):
        """Loads role name's metadata at the version the snapshot lists and
        checks it against the snapshot; signatures are checked by the caller
        (they depend on the delegating role)."""
        srel = snapshot.rel
        entry = snapshot.signed["meta"].get(name + ".json")
        if entry is None:
            self.error(srel, "\"meta\" does not list %s.json, so clients cannot load role %r" % (name, name))
            return None
        version = entry.get("version") if isinstance(entry, dict) else None
        if not is_int(version) or version < 1:
            return None  # reported by check_snapshot
        rel = self.metadata_name(name, version)
        raw = self.read(rel, "missing, but %s lists %s.json version %d" % (srel, name, version))
        if raw is None:
            return None
        self.check_meta_bytes(srel, name + ".json", entry, rel, raw)
        md = self.load(rel, "targets", raw)
        if md is None:
            return None
        if md.version != version:
            self.error(rel, "\"version\" is %r, %s lists %s.json version %d (spec 5.6.4)" %
                       (md.version, srel, name, version))
        self.check_expiry(md)
        return md

    def check_targets_tree(self, snapshot):
        """Pre-order depth-first traversal of the delegation graph from the
        top-level targets role (spec 5.6.7), visiting each role once."""
        role = self.root_roles.get("targets")
        md = self.load_targets_role("targets", snapshot)
        if md is None:
            return
        if role:
            self.check_signatures(md, self.root_keys, role, "the targets role")
        self.visit_targets_role("targets", md, chain=[], snapshot=snapshot, visited=set())
        # Roles the snapshot lists but no delegation reaches: harmless to a
        # client, but likely a writer's leftover.
        for name in snapshot.signed["meta"]:
            role_name = name[:-len(".json")]
            if name.endswith(".json") and role_name not in self.targets_md and \
                    name not in ("root.json", "timestamp.json", "snapshot.json"):
                self.warn(snapshot.rel, "meta lists %s, which no delegation reaches" % name)

    def visit_targets_role(self, name, md, chain, snapshot, visited):
        visited.add(name)
        self.targets_md[name] = md
        self.versions[name] = md.version
        self.check_targets_entries(name, md, chain)
        delegations = md.signed.get("delegations")
        if delegations is None:
            return
        rel = md.rel
        if not isinstance(delegations, dict) or not isinstance(delegations.get("roles"), list):
            self.error(rel, "\"delegations\" must be {\"keys\": {...}, \"roles\": [...]}")
            return
        keys = self.check_keys(rel, delegations.get("keys", {}), "delegations")
        names = set()
        for index, delegation in enumerate(delegations["roles"]):
            child = self.check_delegation(rel, index, delegation, names, keys)
            if child is None:
                continue
            child_md = self.targets_md.get(child) if child in visited else self.load_targets_role(child, snapshot)
            if child_md is None:
                continue
            # Each delegating role must be able to vouch for the child: check
            # the signature for every edge, recurse once per role (5.6.7.1).
            self.check_signatures(child_md, keys, delegation, "role %r as delegated by %r" % (child, name))
            if child not in visited:
                self.visit_targets_role(child, child_md, chain + [delegation], snapshot, visited)

    def check_delegation(self, rel, index, delegation, names, keys):
        """One DELEGATIONS role entry (spec 4.5); returns its name if it can
        be followed."""
        label = "delegations.roles[%d]" % index
        if not isinstance(delegation, dict):
            self.error(rel, "%s is not an object" % label)
            return None
        name = delegation.get("name")
        if not isinstance(name, str) or not name:
            self.error(rel, "%s has no \"name\"" % label)
            return None
        label = "delegated role %r" % name
        usable = True
        if name in names:
            self.error(rel, "%s is delegated twice in one delegations object (spec 4.5)" % label)
            usable = False
        names.add(name)
        if name in TOP_LEVEL_ROLES:
            self.error(rel, "%s has the name of a top-level role" % label)
            usable = False
        if "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
            self.error(rel, "%s: name cannot be used in a file name" % label)
            usable = False
        if not isinstance(delegation.get("terminating"), bool):
            self.error(rel, "%s: \"terminating\" must be a boolean" % label)
        has_paths, has_prefixes = "paths" in delegation, "path_hash_prefixes" in delegation
        if has_paths and has_prefixes:
            self.error(rel, "%s has both \"paths\" and \"path_hash_prefixes\" (spec 4.5: exactly one)" % label)
        elif not has_paths and not has_prefixes:
            self.warn(rel, "%s has neither \"paths\" nor \"path_hash_prefixes\": it is trusted for no target" % label)
        if has_paths and (not isinstance(delegation["paths"], list)
                          or not all(isinstance(p, str) for p in delegation["paths"])):
            self.error(rel, "%s: \"paths\" must be a list of strings" % label)
        if has_prefixes and (not isinstance(delegation["path_hash_prefixes"], list) or not all(
                isinstance(p, str) and HEX_RE.match(p) for p in delegation["path_hash_prefixes"])):
            self.error(rel, "%s: \"path_hash_prefixes\" must be a list of lower-case hex strings" % label)
        if self.check_role_def(rel, label, delegation, keys) is None:
            usable = False
        return name if usable else None

    def check_targets_entries(self, role, md, chain):
        rel = md.rel
        targets = md.signed.get("targets")
        if not isinstance(targets, dict):
            self.error(rel, "\"targets\" must be an object")
            return
        for path, info in targets.items():
            problem = target_path_problem(path)
            if problem:
                self.error(rel, "target %r refused: %s" % (path, problem))
                continue
            if not isinstance(info, dict):
                self.error(rel, "target %r: not an object" % path)
                continue
            length = info.get("length")
            if not is_int(length) or length < 0:
                self.error(rel, "target %r: \"length\" %r is not an integer >= 0" % (path, length))
                length = None
            if "custom" in info and not isinstance(info["custom"], dict):
                self.error(rel, "target %r: \"custom\" must be an object" % path)
            # Spec 4.5 "paths": a target must be within the trusted paths of
            # EVERY role in the delegation chain, not just the last one.
            for delegation in chain:
                if not delegation_covers(delegation, path):
                    self.error(rel, "target %r is outside the paths delegated to role %r; "
                                    "clients will not accept it from %r" % (path, delegation["name"], role))
                    break
            self.listed_targets.setdefault(path, (role, info))
            if self.check_target_files:
                self.check_target_file(rel, path, info.get("hashes"), length)

    def check_target_file(self, rel, path, hashes, length):
        """Spec 5.7.3 and 6.1: with consistent snapshots the file is at
        targets/<dir>/<HASH>.<basename> for EVERY listed hash, each copy of
        exactly the listed length with every listed hash matching."""
        problems = hash_format_problems(hashes, "target %r" % path)
        for problem in problems:
            self.error(rel, problem)
        if not isinstance(hashes, dict) or not hashes:
            return
        directory, _, basename = path.rpartition("/")
        prefix = "targets/" + (directory + "/" if directory else "")
        if self.consistent:
            # A digest that is not hex is never used in a file name.
            copies = [prefix + digest + "." + basename for digest in hashes.values()
                      if isinstance(digest, str) and HEX_RE.match(digest)]
        else:
            copies = ["targets/" + path]
        for copy in dict.fromkeys(copies):
            data = self.read(copy, "missing: %s lists target %r" % (rel, path))
            if data is None:
                continue
            if length is not None and len(data) != length:
                self.error(copy, "is %d bytes, %s lists target %r with length %d" % (len(data), rel, path, length))
            for problem in hash_mismatches(data, hashes, "target %r in %s" % (path, rel)):
                self.error(copy, problem)

    # -- Client search (5.6.7) ------------------------------------------------

    def resolve(self, path):
        """The role whose metadata a client uses for path, following the
        pre-order depth-first search of spec 5.6.7 (delegations in order, a
        terminating delegation that covers the path ends the search), or
        None."""
        visited = set()

        class Stop(Exception):
            pass

        def search(name):
            md = self.targets_md.get(name)
            if md is None or name in visited:
                return None
            visited.add(name)
            targets = md.signed.get("targets")
            if isinstance(targets, dict) and isinstance(targets.get(path), dict):
                return name
            delegations = md.signed.get("delegations")
            roles = delegations.get("roles") if isinstance(delegations, dict) else None
            for delegation in roles if isinstance(roles, list) else []:
                if not isinstance(delegation, dict) or not delegation_covers(delegation, path):
                    continue
                found = search(delegation.get("name"))
                if found:
                    return found
                if delegation.get("terminating") is True:
                    raise Stop()
            return None

        try:
            return search("targets")
        except Stop:
            return None

    # -- Everything -----------------------------------------------------------

    def run(self, expected_targets=()):
        self.check_root_chain()
        if self.root is None:
            return
        from_timestamp = self.check_timestamp()
        snapshot = self.check_snapshot(from_timestamp) if from_timestamp else None
        if snapshot is not None and isinstance(snapshot.signed.get("meta"), dict):
            self.check_targets_tree(snapshot)
        for path in expected_targets:
            problem = target_path_problem(path)
            if problem:
                self.error("targets/" + path, "expected target refused: %s" % problem)
            elif self.resolve(path) is None:
                self.error("targets/" + path, "expected target is not found by a client's search of the targets roles")

    def effective_targets(self):
        """Target path -> role a client would take it from."""
        result = {}
        for path in self.listed_targets:
            role = self.resolve(path)
            if role is not None:
                result[path] = role
        return result


def parse_now(text):
    """An RFC 3339 date-time (a trailing Z or an offset) as an aware UTC datetime."""
    value = datetime.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no time zone (end with Z or an offset such as +00:00)")
    return value.astimezone(datetime.timezone.utc)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tuf_spec_check.py",
        description="Check a TUF repository (DIR/metadata, DIR/targets) against the TUF specification 1.0.x.")
    parser.add_argument("dir", help="repository directory holding metadata/ and targets/")
    parser.add_argument("--now", metavar="RFC3339", help="the time to check expiry against (default: now)")
    parser.add_argument("--expect-target", metavar="PATH", action="append", default=[],
                        help="require a client to find target PATH (repeatable)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    parser.add_argument("--strict-keyids", action=argparse.BooleanOptionalAction, default=True,
                        help="a key ID that is not the sha256 of its key is an error (default) "
                             "or, with --no-strict-keyids, a warning")
    parser.add_argument("--no-target-files", action="store_true",
                        help="check metadata only, not the files under targets/")
    args = parser.parse_args(argv)
    try:
        now = parse_now(args.now) if args.now else datetime.datetime.now(datetime.timezone.utc)
    except ValueError as e:
        parser.error("--now %r is not an RFC 3339 date-time: %s" % (args.now, e))
    if not os.path.isdir(args.dir):
        parser.error("%s is not a directory" % args.dir)

    checker = Checker(args.dir, now, strict_keyids=args.strict_keyids,
                      check_target_files=not args.no_target_files)
    checker.run(args.expect_target)
    report = checker.report
    effective = checker.effective_targets()
    summary = "ok: %s: root v%s (%d version%s), timestamp v%s, snapshot v%s, targets v%s, " \
              "%d delegated role%s, %d target%s%s" % (
                  args.dir, checker.root_versions[-1] if checker.root_versions else "?",
                  len(checker.root_versions), "" if len(checker.root_versions) == 1 else "s",
                  checker.versions.get("timestamp", "?"), checker.versions.get("snapshot", "?"),
                  checker.versions.get("targets", "?"),
                  len(checker.targets_md) - ("targets" in checker.targets_md),
                  "" if len(checker.targets_md) - ("targets" in checker.targets_md) == 1 else "s",
                  len(effective), "" if len(effective) == 1 else "s",
                  "" if checker.consistent else " (consistent_snapshot false)")
    if args.json:
        json.dump({
            "ok": not report.errors,
            "errors": report.errors,
            "warnings": report.warnings,
            "consistent_snapshot": checker.consistent,
            "root_versions": checker.root_versions,
            "versions": checker.versions,
            "targets": {path: {"role": role, "length": checker.listed_targets[path][1].get("length"),
                               "hashes": checker.listed_targets[path][1].get("hashes")}
                        for path, role in sorted(effective.items())},
            "summary": summary if not report.errors else None,
        }, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for w in report.warnings:
            print("warning: %s: %s" % (w["file"], w["message"]), file=sys.stderr)
        for e in report.errors:
            print("error: %s: %s" % (e["file"], e["message"]), file=sys.stderr)
        if report.errors:
            print("tuf_spec_check: %d error(s) in %s" % (len(report.errors), args.dir), file=sys.stderr)
        else:
            print(summary)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
