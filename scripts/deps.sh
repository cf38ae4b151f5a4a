#!/usr/bin/env bash
# Installs what mailer needs from Debian 12's archive: build tools and libraries, and with --test the
# servers and tools the tests start (Postfix's smtp-sink, aiosmtpd, Dovecot, msmtp, Chromium, clang,
# strace) and the benchmarks' references (smtp-source, msmtp, isync's mbsync).
# The tests start their own servers on loopback, so the mail daemons these packages bring must not
# start or be enabled: a policy-rc.d that refuses every start is in place for the length of the
# install, and the services that this install brought (no unit or init script before it) are
# disabled afterwards.  A service that was already there (the publisher's own Postfix, or a
# Dovecot serving POP3 before dovecot-imapd came) is never touched.  Postfix (for smtp-sink and
# smtp-source) replaces another mail transport agent such as exim4: that is said before it happens.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libcmark-dev libetpan-dev libcurl4-gnutls-dev libgnutls28-dev nettle-dev libsqlite3-dev
            libyaml-dev libinih-dev libcsv-dev libutf8proc-dev libstemmer-dev)
test_pkgs=(libcmocka-dev postfix python3 python3-aiosmtpd dovecot-imapd msmtp chromium clang
           libclang-rt-14-dev sqlite3 openssl valgrind procps strace isync)

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
  policy=/usr/sbin/policy-rc.d
  saved=""
  if [ -e "$policy" ]; then
    saved=$(mktemp)
    cp -p "$policy" "$saved"
  fi
  restore_policy() {
    if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\n# scripts/deps.sh: no service starts while mailer installs its packages\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  [ "${MAILER_APT_UPDATED:-}" = 1 ] || apt-get update -q # .ci/run updated the lists already
  has_service() { [ -e "/lib/systemd/system/$1.service" ] || [ -e "/etc/init.d/$1" ]; }
  new_services=()
  for svc in postfix dovecot; do
    has_service "$svc" || new_services+=("$svc")
  done
  if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    for mta in exim4-daemon-light exim4-daemon-heavy sendmail-bin opensmtpd nullmailer msmtp-mta ssmtp dma; do
      if dpkg-query -W -f='${Status}' "$mta" 2>/dev/null | grep -q 'install ok installed'; then
        echo "deps.sh: postfix (the tests' smtp-sink and smtp-source) replaces $mta, this machine's mail transport agent" >&2
      fi
    done
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Brought by this install for the tests: not enabled, so nothing listens after a reboot.
  for svc in "${new_services[@]}"; do
    has_service "$svc" || continue
    if command -v deb-systemd-helper >/dev/null 2>&1; then
      # it acts only for a package's maintainer script (else "not called from dpkg")
      owner=postfix
      [ "$svc" = dovecot ] && owner=dovecot-core
      DPKG_MAINTSCRIPT_PACKAGE=$owner deb-systemd-helper disable "$svc.service" >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1 && [ -e "/etc/init.d/$svc" ]; then
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  done
fi
exit 0
