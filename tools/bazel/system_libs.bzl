"""Repository rules that expose Debian's system libraries to Bazel, offline.

Nothing here downloads anything. Each library is found with pkg-config when
the repository is first fetched; a missing -dev package fails the fetch with
a message naming the package to install (tools/install_deps.sh installs all).
"""

def _pkg_config(rctx, module, package):
    result = rctx.execute(["pkg-config", "--libs", module])
    if result.return_code != 0:
        fail("pkg-config cannot find '%s'; install the Debian package %s " %
             (module, package) + "(sudo tools/install_deps.sh installs everything)")
    return [f for f in result.stdout.strip().split(" ") if f]

def _cc_lib(name, linkopts, deps = [], visibility = "//visibility:public"):
    return """cc_library(
    name = "{name}",
    linkopts = {linkopts},
    deps = {deps},
    visibility = ["{vis}"],
)
""".format(name = name, linkopts = repr(linkopts), deps = repr(deps), vis = visibility)

# Abseil: upstream label -> pkg-config module.
_ABSL = {
    "algorithm:container": "absl_algorithm_container",
    "base": "absl_base",
    "base:core_headers": "absl_core_headers",
    "cleanup": "absl_cleanup",
    "container:btree": "absl_btree",
    "container:fixed_array": "absl_fixed_array",
    "container:flat_hash_map": "absl_flat_hash_map",
    "container:flat_hash_set": "absl_flat_hash_set",
    "container:inlined_vector": "absl_inlined_vector",
    "container:node_hash_map": "absl_node_hash_map",
    "flags:flag": "absl_flags",
    "flags:parse": "absl_flags_parse",
    "flags:usage": "absl_flags_usage",
    "functional:any_invocable": "absl_any_invocable",
    "functional:function_ref": "absl_function_ref",
    "hash": "absl_hash",
    "memory": "absl_memory",
    "numeric:bits": "absl_bits",
    "numeric:int128": "absl_int128",
    "random": "absl_random_random",
    "status": "absl_status",
    "status:statusor": "absl_statusor",
    "strings": "absl_strings",
    "strings:str_format": "absl_str_format",
    "synchronization": "absl_synchronization",
    "time": "absl_time",
    "types:optional": "absl_optional",
    "types:span": "absl_span",
    "types:variant": "absl_variant",
}

def _absl_impl(rctx):
    packages = {}
    for label, module in _ABSL.items():
        pkg, _, name = label.partition(":")
        if not name:
            name = pkg.split("/")[-1]
        packages.setdefault(pkg, []).append(
            _cc_lib(name, _pkg_config(rctx, module, "libabsl-dev")),
        )
    for pkg, rules in packages.items():
        rctx.file("absl/%s/BUILD.bazel" % pkg, "\n".join(rules))
    rctx.file("WORKSPACE", "workspace(name = \"com_google_absl\")\n")
    rctx.file("BUILD.bazel", "")

system_absl = repository_rule(implementation = _absl_impl, local = True)

def _simple_impl(rctx):
    rules = []
    for name, spec in rctx.attr.libs.items():
        module, package = spec.split("|")
        if module.startswith("-l"):
            linkopts = [module]
        else:
            linkopts = _pkg_config(rctx, module, package)
        rules.append(_cc_lib(name, linkopts + [f for f in rctx.attr.extra_linkopts.get(name, "").split(" ") if f]))
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD.bazel", "\n".join(rules) + rctx.attr.extra_build)

# libs: target name -> "pkg-config module|debian package" (or "-lfoo|package").
system_library = repository_rule(
    implementation = _simple_impl,
    local = True,
    attrs = {
        "libs": attr.string_dict(mandatory = True),
        "extra_linkopts": attr.string_dict(),
        "extra_build": attr.string(default = ""),
    },
)

def _forwarding_stub_impl(rctx):
    # @bazel_tools loads @rules_cc and @rules_java, which stock Bazel
    # downloads; forward their macros to the native rules instead.
    lang = rctx.attr.lang
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD.bazel", "")
    rctx.file("%s/BUILD.bazel" % lang, "")
    rctx.file("%s/defs.bzl" % lang, "\n".join([
        "def %s(**kwargs):\n    native.%s(**kwargs)\n" % (r, r)
        for r in rctx.attr.rules
    ]))

rules_forwarding_stub = repository_rule(
    implementation = _forwarding_stub_impl,
    attrs = {
        "lang": attr.string(mandatory = True),
        "rules": attr.string_list(mandatory = True),
    },
)

def _coverage_stub_impl(rctx):
    # Every test rule depends on the coverage tools implicitly; they are
    # downloaded by stock Bazel. Coverage is not supported offline.
    rctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    rctx.file("unsupported.sh", "#!/bin/sh\necho 'coverage tools are not available offline' >&2\nexit 1\n", executable = True)
    rctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])
sh_binary(name = "lcov_merger", srcs = ["unsupported.sh"])
sh_binary(name = "coverage_report_generator", srcs = ["unsupported.sh"])
filegroup(name = "coverage_output_generator", srcs = ["unsupported.sh"])
""")

coverage_tools_stub = repository_rule(implementation = _coverage_stub_impl)
