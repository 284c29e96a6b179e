#!/usr/bin/env python3
"""Fails when a C++ or proto source file is in one build and not the other.

The Bazel side is every .cc, .h and .proto file under engine/, tools/,
testdata/, bench/ and proto/: with --bazel, the source files of //... as
`bazel query 'kind("source file", deps(//...))'` lists them; without it,
every such file git knows of (tracked, or untracked and not ignored), so
that a new file fails the check before anyone has written a BUILD rule for
it either. The CMake side is every file named in a CMakeLists.txt, resolved
against that file's directory (${CMAKE_SOURCE_DIR}/ and
${CMAKE_CURRENT_SOURCE_DIR}/ prefixes are understood; names built from other
variables are not sources of the tree). tools/cmake_consumer/ is a separate
CMake project (the installed package's example user) and counts for neither.

Prints every difference and exits 1 if there is one; exits 0 otherwise.
"""

import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIRS = ("engine", "tools", "testdata", "bench", "proto")
SOURCE = re.compile(r"\.(cc|h|proto)$")
# Data, not sources: the scenario corpus and the fuzz seeds.
IGNORED = ("testdata/scenarios/", "testdata/fuzz/", "tools/cmake_consumer/")


def relevant(path):
    return (path.split("/", 1)[0] in DIRS and SOURCE.search(path)
            and not path.startswith(IGNORED))


def git_files(*patterns):
    """Files git knows of under the pathspecs; outside a git checkout (a
    source archive), every file under them."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard",
             "--", *patterns], cwd=ROOT, check=True, capture_output=True,
            text=True)
    except (OSError, subprocess.CalledProcessError):
        return walk_files(*patterns)
    return [line for line in out.stdout.splitlines()
            if (ROOT / line).exists()]


def walk_files(*patterns):
    files = set()
    for pattern in patterns:
        if "*" in pattern or (ROOT / pattern).is_file():
            matches = ROOT.glob(pattern.replace("*/", "**/"))
        else:
            matches = (ROOT / pattern).rglob("*")
        files.update(str(p.relative_to(ROOT)) for p in matches if p.is_file())
    return sorted(f for f in files if not f.startswith("bazel-"))


def bazel_sources():
    out = subprocess.run(
        ["bazel", "query", "--noshow_progress",
         'kind("source file", deps(//...))'],
        cwd=ROOT, check=True, capture_output=True, text=True)
    files = set()
    for label in out.stdout.splitlines():
        if not label.startswith("//"):
            continue  # external repositories
        package, _, name = label[2:].partition(":")
        path = f"{package}/{name}" if package else name
        if relevant(path):
            files.add(path)
    return files


TOKEN = re.compile(r'"([^"]*)"|([^\s()"]+)')


def cmake_sources():
    """(sources named by the CMakeLists.txt files, names that do not exist)"""
    named, missing = set(), []
    for listfile in git_files("CMakeLists.txt", "*/CMakeLists.txt"):
        if listfile.startswith(IGNORED):
            continue
        base = pathlib.PurePosixPath(listfile).parent
        text = (ROOT / listfile).read_text()
        text = re.sub(r"#[^\n]*", "", text)  # comments (none inside strings)
        for quoted, bare in TOKEN.findall(text):
            if re.search(r"\s", quoted):
                continue  # a message, not a file name
            for token in (quoted or bare).split(";"):
                if not SOURCE.search(token):
                    continue
                if token.startswith("${CMAKE_SOURCE_DIR}/"):
                    path = pathlib.PurePosixPath(token.split("/", 1)[1])
                elif token.startswith("${CMAKE_CURRENT_SOURCE_DIR}/"):
                    path = base / token.split("/", 1)[1]
                elif "$" in token:
                    continue  # generated, or from a variable
                else:
                    path = base / token
                path = str(path)
                if not (ROOT / path).is_file():
                    missing.append(f"{listfile}: {token}")
                elif relevant(path):
                    named.add(path)
    return named, missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bazel", action="store_true",
                        help="take the Bazel side from `bazel query`")
    args = parser.parse_args()

    if args.bazel:
        bazel = bazel_sources()
        label = "Bazel (bazel query)"
    else:
        bazel = {p for p in git_files(*DIRS) if relevant(p)}
        label = "the tree (git ls-files)"
    cmake, missing = cmake_sources()

    problems = 0
    for path in sorted(bazel - cmake):
        print(f"check_build_sync: {path} is in {label} but in no CMakeLists.txt")
        problems += 1
    for path in sorted(cmake - bazel):
        print(f"check_build_sync: {path} is in a CMakeLists.txt but not in "
              f"{label}")
        problems += 1
    for entry in missing:
        print(f"check_build_sync: {entry} names no file")
        problems += 1
    if problems:
        print(f"check_build_sync: {problems} difference(s); name each source "
              "in both BUILD.bazel and CMakeLists.txt")
        return 1
    print(f"check_build_sync: the {len(cmake)} sources of the CMake build "
          "match Bazel's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
