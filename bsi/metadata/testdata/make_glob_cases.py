#!/usr/bin/python3
"""Prints the expected results of TUF target path pattern matching, as the
reference implementation (python-tuf DelegatedRole._is_target_in_pathpattern)
computes them: split pattern and path on '/', require the same number of
parts, and match each part with fnmatch.fnmatchcase.

The output is pasted into path_pattern_test.cc (kGlobCases, kPathCases).
Regenerate with:

  /usr/bin/python3 bsi/metadata/testdata/make_glob_cases.py
"""

import fnmatch

# (pattern, text) pairs for a single part (no '/').
GLOB = [
    # literals, empty
    ("", ""), ("", "a"), ("a", ""), ("abc", "abc"), ("abc", "abd"), ("A", "a"),
    (".", "."), ("a.b", "axb"), ("(", "("), ("+", "+"), ("$", "$"), ("^", "^"),
    ("|", "|"), ("\\", "\\"), ("\\*", "*"), ("\\*", "\\x"), ("a\\b", "a\\b"),
    ("{a,b}", "a"), ("{a,b}", "{a,b}"),
    # '*'
    ("*", ""), ("*", "abc"), ("a*", "a"), ("a*", "abc"), ("a*", "bac"), ("*c", "abc"),
    ("*c", "abcd"), ("a*c", "ac"), ("a*c", "abbc"), ("a*c", "abcd"), ("*a*b*", "xaxxbx"),
    ("*a*b*", "xbxxax"), ("**", ""), ("a**b", "ab"), ("*.tar.gz", "x.tar.gz"),
    ("*.tar.gz", "x.tar.gzz"), ("*ab", "aab"), ("*a*a*a", "aaaa"), ("*a*a*a", "aa"),
    ("a*b*c", "abcbc"), ("*", "a\nb"),
    # '?'
    ("?", ""), ("?", "a"), ("?", "ab"), ("a?c", "abc"), ("a?c", "ac"), ("??", "ab"),
    ("?*", ""), ("?*", "a"), ("?", "\n"), ("*?", "ab"),
    # bracket expressions
    ("[abc]", "a"), ("[abc]", "d"), ("[abc]", ""), ("[abc]", "ab"), ("[a-z]", "m"),
    ("[a-z]", "M"), ("[a-z]", "-"), ("[!a]", "a"), ("[!a]", "b"), ("[!a]", ""),
    ("[!a-c]", "b"), ("[!a-c]", "d"), ("[]]", "]"), ("[]a]", "a"), ("[]a]", "b"),
    ("[!]]", "]"), ("[!]]", "a"), ("[]-a]", "^"), ("[a-]", "-"), ("[a-]", "a"), ("[-a]", "-"),
    ("[!-a]", "-"), ("[!-a]", "b"), ("[--0]", "."), ("[--0]", "1"), ("[z-a]", "m"),
    ("[z-a]", "z"), ("[!z-a]", "m"), ("[a-c-e]", "d"), ("[a-c-e]", "-"), ("[a-c-e]", "e"),
    ("[c-a-z]", "-"), ("[c-a-z]", "b"), ("[c-a-z]", "z"), ("[a-cz-b]", "b"),
    ("[a-cz-b]", "z"), ("[^a]", "^"), ("[^a]", "b"), ("[\\]", "\\"), ("[[]", "["),
    ("[a[]", "["), ("[*]", "*"), ("[*]", "a"), ("[?]", "?"), ("[?]", "a"), ("[&&]", "&"),
    ("[0-9][0-9]", "42"), ("v[0-9].*", "v1.0"), ("v[0-9].*", "vx.0"),
    # unmatched '[' is a literal
    ("[", "["), ("[", "a"), ("[", ""), ("[abc", "[abc"), ("[abc", "a"), ("a[", "a["),
    ("[]", "[]"), ("[]", "]"), ("[!]", "[!]"), ("[!]", "a"), ("[!", "[!"), ("*[", "ab["),
    ("[*", "[xyz"), ("[a*", "[a"), ("[a-", "[a-"), ("[[a]", "[a]"),
    # characters beyond ASCII are matched as code points
    ("?", "\u00e9"), ("??", "\u00e9"), ("[\u00e9]", "\u00e9"), ("[\u00e0-\u00ff]", "\u00e9"),
    ("[\u00e0-\u00ff]", "e"), ("[!\u00e9]", "e"), ("[!\u00e9]", "\u00e9"),
    ("caf?", "caf\u00e9"), ("*\u00e9", "caf\u00e9"), ("\u20ac?", "\u20acx"),
    ("?", "\U0001f600"), ("[\u00e9-\U0001f600]", "\u20ac"),
]

# Whole target paths.
PATHS = [
    ("*", "a/b"), ("*/*", "a/b"), ("a/*", "a/b/c"), ("a/*/c", "a/b/c"), ("*.txt", "dir/x.txt"),
    ("*/*.txt", "dir/x.txt"), ("targets/*", "targets/"), ("", ""), ("/", "/"), ("/", ""),
    ("a/", "a/"), ("a/", "a"), ("a//b", "a//b"), ("a//b", "a/x/b"), ("a/*/b", "a//b"),
    ("/a", "a"), ("/a", "/a"), ("?", "/"), ("a?b", "a/b"), ("a*b", "a/b"), ("[/]", "/"),
    ("a[/]b", "a/b"), ("a[/]b", "a[/]b"), ("*/", "a/"), ("**/*", "a/b"), ("**", "a/b"),
    ("files/*.tgz", "files/app.tgz"), ("files/app-?.?.tgz", "files/app-1.2.tgz"),
    ("files/app-?.?.tgz", "files/app-1.22.tgz"), ("files/*", "files/sub/app.tgz"),
    ("*/*/*", "a/b/c"), ("*/*/*", "a/b"), ("a/[!b]/c", "a/x/c"), ("a/[!b]/c", "a/b/c"),
    ("d\u00e9j\u00e0/?", "d\u00e9j\u00e0/\u00e9"),
]


def path_match(pattern, path):
    pattern_parts = pattern.split("/")
    path_parts = path.split("/")
    if len(pattern_parts) != len(path_parts):
        return False
    return all(fnmatch.fnmatchcase(t, p) for t, p in zip(path_parts, pattern_parts))


def cxx(s):
    """A C++ string literal; characters beyond ASCII are written as they are (UTF-8)."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        else:
            assert c >= " " and c != "\x7f"
            out.append(c)
    return '"' + "".join(out) + '"'


def main():
    print("// kGlobCases")
    for pattern, text in GLOB:
        assert "/" not in pattern and "/" not in text
        print("    {%s, %s, %s}," % (cxx(pattern), cxx(text),
                                    "true" if fnmatch.fnmatchcase(text, pattern) else "false"))
    print("// kPathCases")
    for pattern, path in PATHS:
        print("    {%s, %s, %s}," % (cxx(pattern), cxx(path),
                                    "true" if path_match(pattern, path) else "false"))


if __name__ == "__main__":
    main()
