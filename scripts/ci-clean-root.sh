#!/usr/bin/env bash
# ci-clean-root.sh - proves the README's first command on a clean Debian 12 root (issue 13).
#
# Builds a minimal bookworm tree with mmdebstrap (from this machine's apt sources), clones the
# committed tree into it, and there, in a PID namespace of its own (nothing inside can signal the
# host's processes), as root:
#   1. installs Dovecot for POP3 only (dovecot-core without dovecot-imapd) and starts it, as a
#      publisher's own mail server would run;
#   2. runs scripts/demo.sh, which must exit 0 and print the report;
#   3. runs scripts/deps.sh --test (what the second command installs first);
#   4. checks that the Dovecot started in 1 still runs and is still enabled (the test install
#      brings dovecot-imapd, but the dovecot service was the publisher's), that the Postfix it
#      brought (for smtp-sink) neither runs nor is enabled, and that the clone's `git status` is
#      clean.
# Prints the time of each step.  Needs mmdebstrap, git and unshare (util-linux) on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(mktemp -d /tmp/mailer-clean-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
log=$root.log

step_start=$(date +%s)
step() { # NAME: prints the time the previous step took
	now=$(date +%s)
	echo "ci-clean-root: $1 ($((now - step_start)) s)"
	step_start=$now
}

mmdebstrap --variant=apt --quiet --include=git,ca-certificates bookworm "$root" >"$log" 2>&1 ||
	{ cat "$log" >&2; echo "ci-clean-root: mmdebstrap failed" >&2; exit 1; }
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
git clone -q --no-hardlinks . "$root/root/mailer"
step "a clean bookworm root in $root"

# in_root SCRIPT: runs bash -c SCRIPT in the root, in its own PID and mount namespaces
in_root() {
	unshare --pid --fork --mount --mount-proc="$root/proc" chroot "$root" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb /bin/bash -c "$1"
}

in_root '
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -q && apt-get install -y -q --no-install-recommends dovecot-pop3d procps; } >/tmp/own-mail.log 2>&1 ||
	{ cat /tmp/own-mail.log; exit 1; }
# the publisher'\''s own mail server (POP3), running before the scripts
pgrep -x dovecot >/dev/null || dovecot
pgrep -x dovecot >/dev/null || { echo "could not start dovecot"; exit 1; }
enabled() { [ -e "/etc/systemd/system/multi-user.target.wants/$1.service" ]; }
enabled dovecot || { echo "dovecot-pop3d left dovecot.service disabled"; exit 1; }
cd /root/mailer
start=$(date +%s)
scripts/demo.sh >/tmp/demo.out 2>&1 || { cat /tmp/demo.out; echo "demo.sh failed"; exit 1; }
echo "ci-clean-root: scripts/demo.sh exited 0 in $(( $(date +%s) - start )) s"
grep -q "^FOLLOW UP" /tmp/demo.out || { cat /tmp/demo.out; echo "demo.sh printed no report"; exit 1; }
grep -q "The HTML report is demo/reports/report.html" /tmp/demo.out || { echo "demo.sh: no HTML report"; exit 1; }
start=$(date +%s)
scripts/deps.sh --test >/tmp/deps.out 2>&1 || { cat /tmp/deps.out; echo "deps.sh --test failed"; exit 1; }
echo "ci-clean-root: scripts/deps.sh --test exited 0 in $(( $(date +%s) - start )) s"
pgrep -x dovecot >/dev/null || { echo "the scripts stopped the running Dovecot"; exit 1; }
enabled dovecot || { echo "the scripts disabled the publisher'\''s Dovecot (dovecot-imapd came with the tests)"; exit 1; }
pgrep -x master >/dev/null && { echo "the Postfix the tests brought is running"; exit 1; }
enabled postfix && { echo "the Postfix the tests brought is enabled"; exit 1; }
echo "ci-clean-root: the Dovecot that ran before the scripts still runs, still enabled; the Postfix they brought neither runs nor is enabled"
[ -z "$(git status --porcelain --ignored=no)" ] || { git status --short; echo "the scripts left files in the tree"; exit 1; }
'
step "the README's first command on the clean root"
