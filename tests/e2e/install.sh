#!/bin/sh
# install.sh - `cmake --install` puts the binary, the man page (with an EXIT STATUS section) and the
# default templates in the usual places (issue 6), under a DESTDIR so nothing outside changes.
set -eu
: "${BUILD:?}"
D=$(mktemp -d /tmp/nl-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DESTDIR="$D" cmake --install "$BUILD" >/dev/null || fail "cmake --install"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
root="$D$prefix"
[ -x "$root/bin/mailer" ] || fail "no $prefix/bin/mailer"
"$root/bin/mailer" --help | grep -q '^usage: mailer' || fail "the installed mailer does not run"
[ -f "$root/share/man/man1/mailer.1" ] || fail "no man page"
grep -q '^\.SH EXIT STATUS' "$root/share/man/man1/mailer.1" || fail "the man page has no EXIT STATUS section"
for t in newsletter.html newsletter.txt; do
	[ -f "$root/share/mailer/templates/$t" ] || fail "no default template $t"
done
strings "$root/bin/mailer" | grep -qx "$prefix/share/mailer/templates" || fail "the binary does not look for the installed templates"
echo "install: ok ($prefix)"
