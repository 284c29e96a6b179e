#!/usr/bin/env python3
"""Fails when a C++ or proto source file is in one build and not the other.

The Bazel side is every .cc, .h and .proto file under engine/, tools/,
testdata/, bench/ and proto/: with --bazel, the source files of //... as
`bazel query 'kind("source file", deps(//...))'` lists them; without it,
every such file git knows of (tracked, or untracked and not ignored), so
that a new file fails the check before anyone has written a BUILD rule for
it either, and a file of the tree that a CMakeLists.txt names must be in a
rule of a BUILD.bazel file. The CMake side is every file named in a CMakeLists.txt, resolved
against that file's directory (${CMAKE_SOURCE_DIR}/ and
${CMAKE_CURRENT_SOURCE_DIR}/ prefixes are understood; names built from other
variables are not sources of the tree), with the CMake target that names it.
tools/cmake_consumer/ is a separate CMake project (the installed package's
example user) and counts for neither.

Each difference is one line that says which file to add to (or remove from)
which CMake target in which CMakeLists.txt. The target is found from the
Bazel rule that holds the file (read from the BUILD.bazel files): the CMake
target that holds the rule's other files, a new test or executable named
after the rule, or the target that holds the package's other libraries.

Prints every difference and exits 1 if there is one; exits 0 otherwise.
"""

import argparse
import collections
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


Rule = collections.namedtuple("Rule", "label kind name package testonly files")


def bazel_rules():
    """{file: [Rule]} for every source file a BUILD.bazel rule names, read
    by evaluating the BUILD files (Starlark's syntax is Python's) with the
    rule functions recorded rather than run."""
    by_file = collections.defaultdict(list)
    for build in git_files("BUILD.bazel", "*/BUILD.bazel"):
        package = str(pathlib.PurePosixPath(build).parent).strip(".")
        rules = []

        def rule(kind, rules=rules):
            def record(name="", srcs=(), hdrs=(), testonly=False, **_):
                rules.append((kind, name, list(srcs) + list(hdrs), testonly))
            return record

        env = {kind: rule(kind) for kind in (
            "cc_library", "cc_binary", "cc_test", "sh_test", "proto_library",
            "cc_proto_library", "filegroup", "alias", "genrule")}
        env.update(package=lambda **_: None, package_group=lambda **_: None,
                   exports_files=lambda *_, **__: None,
                   load=lambda *_, **__: None, glob=lambda *_, **__: [],
                   select=lambda d, **_: next(iter(d.values())))
        try:
            exec(compile((ROOT / build).read_text(), build, "exec"), env)
        except Exception as error:  # pylint: disable=broad-except
            print(f"check_build_sync: {build}: not read ({error}); its "
                  "files are reported without their rule")
            continue
        for kind, name, srcs, testonly in rules:
            files = [f"{package}/{s}" if package else s for s in srcs
                     if isinstance(s, str) and not s.startswith((":", "/"))]
            found = Rule(f"//{package}:{name}", kind, name, package,
                         bool(testonly), files)
            for path in files:
                by_file[path].append(found)
    return by_file


TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+')
KEYWORDS = {"PRIVATE", "PUBLIC", "INTERFACE", "STATIC", "SHARED", "OBJECT",
            "MODULE", "EXCLUDE_FROM_ALL"}


def commands(text):
    """(command, [argument]) for every command call in a CMake list file."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|#[^\n]*',
                  lambda m: m.group(0) if m.group(0)[0] == '"' else "", text)
    tokens = TOKEN.findall(text)
    i = 0
    while i + 1 < len(tokens):
        if tokens[i + 1] != "(" or not re.fullmatch(r"\w+", tokens[i]):
            i += 1
            continue
        name, depth, args, i = tokens[i].lower(), 1, [], i + 2
        while i < len(tokens) and depth:
            depth += {"(": 1, ")": -1}.get(tokens[i], 0)
            if depth and tokens[i] not in "()":
                args.append(tokens[i])
            i += 1
        yield name, args


def command_target(name, args):
    """The CMake target whose sources a command's file names are."""
    if "NAME" in args[:-1]:  # chaintrust_test(NAME t ...) and the like
        return args[args.index("NAME") + 1]
    if name in ("add_library", "add_executable", "target_sources") and args:
        return args[0]
    return f"{name}()"


def cmake_sources():
    """({source: (target, list file)} named by the CMakeLists.txt files,
    [(list file, target, name)] of names that are no file)"""
    named, missing = {}, []
    for listfile in git_files("CMakeLists.txt", "*/CMakeLists.txt"):
        if listfile.startswith(IGNORED):
            continue
        base = pathlib.PurePosixPath(listfile).parent
        for name, args in commands((ROOT / listfile).read_text()):
            target = command_target(name, args)
            for arg in args:
                if re.search(r"\s", arg):
                    continue  # a message, not a file name
                for token in arg.strip('"').split(";"):
                    if not SOURCE.search(token) or token in KEYWORDS:
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
                        missing.append((listfile, target, token))
                    elif relevant(path):
                        named.setdefault(path, (target, listfile))
    return named, missing


def duplicate_targets():
    """[(target, [list file])] of CMake targets defined in more than one
    place: CMake's target names are global, Bazel's are per package, so two
    packages' tests of the same name build under Bazel and break CMake."""
    defined = collections.defaultdict(list)
    for listfile in git_files("CMakeLists.txt", "*/CMakeLists.txt"):
        if listfile.startswith(IGNORED):
            continue
        for name, args in commands((ROOT / listfile).read_text()):
            if name in ("add_library", "add_executable") and args:
                defined[args[0]].append(listfile)
            elif name.startswith("chaintrust_") and "NAME" in args[:-1]:
                defined[args[args.index("NAME") + 1]].append(listfile)
    return sorted((t, fs) for t, fs in defined.items() if len(fs) > 1)


def list_file_of(package):
    return f"{package}/CMakeLists.txt" if package else "CMakeLists.txt"


def where_to_add(path, rules, cmake):
    """Which CMake target a file missing from the CMake build belongs in."""
    file_rules = rules.get(path, [])
    if not file_rules:
        return (f"is in no Bazel rule and no CMakeLists.txt: name it in a "
                f"BUILD.bazel rule and in the matching target of "
                f"{list_file_of(str(pathlib.PurePosixPath(path).parent))}")
    rule = file_rules[0]
    for candidate in file_rules:  # a rule whose other files CMake has
        placed = [cmake[f] for f in candidate.files if f in cmake]
        if placed:
            target, listfile = collections.Counter(placed).most_common(1)[0][0]
            return (f"(Bazel {candidate.label}) is in no CMakeLists.txt: add "
                    f"it to target {target} in {listfile}, with the rule's "
                    "other files")
    listfile = list_file_of(rule.package)
    if rule.kind in ("cc_test", "sh_test"):
        return (f"(Bazel {rule.label}, a new test) is in no CMakeLists.txt: "
                f"add chaintrust_test(NAME {rule.name} SRCS ... LIBS ...) to "
                f"{listfile}")
    if rule.kind == "cc_binary":
        return (f"(Bazel {rule.label}, a new binary) is in no CMakeLists.txt:"
                f" add add_executable({rule.name} ...) to {listfile}")
    # A new library: where the package's other libraries of its kind went.
    placed = collections.Counter(
        cmake[f] for rs in rules.values() for r in rs for f in r.files
        if r.package == rule.package and r.kind == "cc_library"
        and r.testonly == rule.testonly and f in cmake)
    if placed:
        target, where = placed.most_common(1)[0][0]
        return (f"(Bazel {rule.label}, a new library) is in no "
                f"CMakeLists.txt: add it to target {target} in {where}, "
                "where the package's other libraries are")
    return (f"(Bazel {rule.label}) is in no CMakeLists.txt: add it to a "
            f"target in {listfile}")


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
    rules = bazel_rules()

    problems = 0
    for path in sorted(set(bazel) - set(cmake)):
        print(f"check_build_sync: {path} {where_to_add(path, rules, cmake)}")
        problems += 1
    for path in sorted(set(cmake) - set(bazel)):
        target, listfile = cmake[path]
        print(f"check_build_sync: {path} is in target {target} in "
              f"{listfile} but not in {label}: remove it there, or add it "
              "to a BUILD.bazel rule")
        problems += 1
    if not args.bazel:  # the tree's files that CMake has but Bazel lacks
        for path in sorted(set(cmake) & bazel - set(rules)):
            target, listfile = cmake[path]
            print(f"check_build_sync: {path} is in target {target} in "
                  f"{listfile} but in no BUILD.bazel rule: add it to one")
            problems += 1
    for listfile, target, token in missing:
        print(f"check_build_sync: {listfile}: target {target} names {token}, "
              "which is no file: remove it (deleted or renamed?)")
        problems += 1
    for target, listfiles in duplicate_targets():
        print(f"check_build_sync: CMake target {target} is defined in "
              f"{', '.join(listfiles)}: CMake target names are global, give "
              "each a name of its own (in BUILD.bazel too)")
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
