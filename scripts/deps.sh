#!/usr/bin/env bash
# Installs what mailer needs from Debian 12's archive: build tools and libraries, and with --test the
# servers and tools the tests start (Postfix's smtp-sink, aiosmtpd, Dovecot, msmtp, Chromium, clang,
# strace).
# Package installs start the postfix and dovecot daemons; the tests start their own on loopback, so
# the system ones are stopped again.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libcmark-dev libetpan-dev libcurl4-gnutls-dev libgnutls28-dev libsqlite3-dev
            libyaml-dev libinih-dev libcsv-dev libutf8proc-dev libstemmer-dev)
test_pkgs=(libcmocka-dev postfix python3 python3-aiosmtpd dovecot-imapd msmtp chromium clang
           libclang-rt-14-dev sqlite3 openssl valgrind procps strace)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Never leave the system mail daemons running (the tests start their own).
if command -v postfix >/dev/null 2>&1; then postfix stop >/dev/null 2>&1 || true; fi
if [ -x /etc/init.d/dovecot ]; then /etc/init.d/dovecot stop >/dev/null 2>&1 || true; fi
pkill -x dovecot >/dev/null 2>&1 || true
exit 0
