#!/usr/bin/python3
"""Writes src/html_entities.inc: HTML5's named character references, name -> UTF-8 bytes.

The data is the WHATWG list (https://html.spec.whatwg.org/entities.json, "static and will not be
expanded or changed") as CPython ships it in html.entities.html5: 2,231 names, of which 106 are the
legacy ones that are also recognised without their ';' ("&amp", "&copy") and 93 give two code points
("&NotEqualTilde;").  There is no download: run it with Debian's /usr/bin/python3,

    /usr/bin/python3 scripts/gen_html_entities.py          # rewrites src/html_entities.inc
    /usr/bin/python3 scripts/gen_html_entities.py --check  # exit 1 when the committed file differs

The table is sorted by the names' bytes (shorter first on a common prefix), the order html.c's
bsearch() compares in.  Names keep their ';' as the list spells them, so "copy;" and the legacy
"copy" are two entries.
"""
import html.entities
import os
import sys

EXPECTED = 2231  # the list is frozen; another count means another list
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "html_entities.inc")


def c_bytes(b):
    return '"' + "".join("\\x%02x" % c for c in b) + '"'


def generate():
    table = html.entities.html5
    if len(table) != EXPECTED:
        sys.exit("html.entities.html5 has %d names, not %d" % (len(table), EXPECTED))
    names = sorted(table, key=lambda k: k.encode("ascii"))
    for k in names:
        if not all(c.isascii() and (c.isalnum() or c == ";") for c in k):
            sys.exit("unexpected name %r" % k)
        if not k.endswith(";") and k + ";" not in table:
            sys.exit("legacy name %r has no ';' form" % k)
    legacy = [k for k in names if not k.endswith(";")]
    max_name = max(len(k) for k in names)
    max_legacy = max(len(k) for k in legacy)
    max_bytes = max(len(table[k].encode("utf-8")) for k in names)
    out = []
    out.append("/* html_entities.inc - HTML5's named character references, name -> UTF-8 bytes.\n")
    out.append(" *\n")
    out.append(" * GENERATED, do not edit: /usr/bin/python3 scripts/gen_html_entities.py rewrites it from\n")
    out.append(" * Python's html.entities.html5, CPython's copy of the WHATWG list\n")
    out.append(" * (https://html.spec.whatwg.org/entities.json, frozen).  %d names sorted by their bytes\n"
               % len(names))
    out.append(" * (shorter first on a common prefix); a name keeps its ';', so the %d legacy names that\n"
               % len(legacy))
    out.append(" * HTML5 also reads without one (\"&amp\", \"&copy\") appear twice, with and without it.\n")
    out.append(" * Included by html.c only. */\n")
    out.append("\n")
    out.append("#define HTML_ENTITY_MAX_NAME %d /* bytes, with the ';' */\n" % max_name)
    out.append("#define HTML_ENTITY_MAX_LEGACY %d /* the longest name without ';' */\n" % max_legacy)
    out.append("#define HTML_ENTITY_MAX_BYTES %d /* UTF-8 bytes of the longest value */\n" % max_bytes)
    out.append("\n")
    out.append("struct html_entity {\n")
    out.append("\tconst char *name;\n")
    out.append("\tunsigned char name_len;\n")
    out.append("\tunsigned char len;\n")
    out.append("\tchar utf8[HTML_ENTITY_MAX_BYTES + 1];\n")
    out.append("};\n")
    out.append("\n")
    out.append("static const struct html_entity html_entities[%d] = {\n" % len(names))
    for k in names:
        v = table[k].encode("utf-8")
        out.append('\t{"%s", %d, %d, %s},\n' % (k, len(k), len(v), c_bytes(v)))
    out.append("};\n")
    return "".join(out)


def main():
    text = generate()
    if sys.argv[1:] == ["--check"]:
        try:
            with open(OUT, encoding="ascii") as f:
                same = f.read() == text
        except OSError:
            same = False
        if not same:
            sys.exit("src/html_entities.inc is not what scripts/gen_html_entities.py writes; rerun it")
        return
    if sys.argv[1:]:
        sys.exit("usage: gen_html_entities.py [--check]")
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write(text)


if __name__ == "__main__":
    main()
