#!/usr/bin/env python3
"""Code bytes of a .wasm per Rust crate: what each dependency adds to the module.

    python3 scripts/wasm-size-by-crate.py WASM [TOP]

WASM must keep its function names (the "name" section): the release-profile builds have them,
for example pkg/digit_matcher_bg.wasm after `scripts/build-pkg.sh --fast`, or cargo's own
~/.cache/digit-matcher/target-wasm/wasm32-unknown-unknown/release/digit_matcher.wasm; the
shipped pkg/ is stripped.  Each function is charged to
the first crate its (demangled) name mentions, or to the type's crate for `<T as Trait>` impls.
Optimised builds inline across crates, so the shares are indicative, not exact.
"""

import collections
import re
import sys


def leb128(buf, i):
    """Unsigned LEB128 at buf[i]: (value, index after it)."""
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def skip_limits(buf, i):
    flags, i = leb128(buf, i)
    _, i = leb128(buf, i)
    return leb128(buf, i)[1] if flags & 1 else i


def imported_functions(buf, i):
    """Number of function imports in the import section at buf[i] (they come first in the index space)."""
    count, i = leb128(buf, i)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            n, i = leb128(buf, i)
            i += n
        kind = buf[i]
        i += 1
        if kind == 0:  # function: type index
            _, i = leb128(buf, i)
            functions += 1
        elif kind == 1:  # table: element type, limits
            i = skip_limits(buf, i + 1)
        elif kind == 2:  # memory: limits
            i = skip_limits(buf, i)
        elif kind == 3:  # global: value type, mutability
            i += 2
        elif kind == 4:  # tag: attribute, type index
            _, i = leb128(buf, i + 1)
    return functions


def function_names(buf, i, end):
    """Function index → name, from a "name" custom section's payload."""
    names = {}
    while i < end:
        subsection = buf[i]
        size, i = leb128(buf, i + 1)
        if subsection == 1:
            count, j = leb128(buf, i)
            for _ in range(count):
                index, j = leb128(buf, j)
                n, j = leb128(buf, j)
                names[index] = buf[j : j + n].decode("utf-8", "replace")
                j += n
        i += size
    return names


def demangle_first(name):
    """The first path component of a legacy-mangled Rust symbol (`_ZN…E`), readable; else `name`."""
    m = re.match(r"_ZN(\d+)", name)
    if not m:
        return name
    start = m.end()
    part = name[start : start + int(m.group(1))]
    if part.startswith("_$"):
        part = part[1:]
    for code, text in (("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$u20$", " "), ("..", "::")):
        part = part.replace(code, text)
    return part


def crate_of(name):
    name = demangle_first(name)
    m = re.match(r"<(?:&(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)", name) if name.startswith("<") else None
    if m:
        return m.group(1)
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::", name)
    return m.group(1) if m else name.split("(")[0][:40] or "?"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    buf = open(sys.argv[1], "rb").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    if buf[:4] != b"\0asm":
        sys.exit(f"{sys.argv[1]} is not a wasm module")
    imports, bodies, names, data = 0, [], {}, 0
    i = 8
    while i < len(buf):
        section = buf[i]
        size, i = leb128(buf, i + 1)
        end = i + size
        if section == 2:
            imports = imported_functions(buf, i)
        elif section == 10:
            count, j = leb128(buf, i)
            for _ in range(count):
                n, j = leb128(buf, j)
                bodies.append(n)
                j += n
        elif section == 11:
            data = size
        elif section == 0:
            n, j = leb128(buf, i)
            if buf[j : j + n] == b"name":
                names = function_names(buf, j + n, end)
        i = end
    if not names:
        sys.exit("no function names in this module (a stripped build): use the release-profile build")
    by_crate = collections.Counter()
    for k, n in enumerate(bodies):
        by_crate[crate_of(names.get(imports + k, "?"))] += n
    total = sum(bodies)
    print(f"code {total / 1e6:.2f} MB in {len(bodies)} functions; data {data / 1e6:.2f} MB")
    for crate, n in by_crate.most_common(top):
        print(f"{n / 1e3:9.0f} kB {100 * n / total:5.1f} %  {crate}")


if __name__ == "__main__":
    main()
