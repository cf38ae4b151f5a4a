# dovecot_lib.sh - a throwaway Dovecot IMAP server for end-to-end tests: free loopback port, a
# temporary base_dir, a passwd-file user whose mail belongs to an unprivileged system user (Dovecot
# will not serve mail as root), plain IMAP on loopback.  Source it after send_lib.sh (for fail,
# free_port, wait_port and SERVER_PIDS, whose trap stops the server by its PID).
#
# start_dovecot DIR [tls]: sets IMAP_PORT, IMAP_USER, IMAP_PASSWORD_FILE and IMAP_MAILDIR (INBOX);
# with tls also STARTTLS on IMAP_PORT, imaps on IMAP_TLS_PORT, and IMAP_CA (make_test_certs).
#
# make_test_certs DIR: a test CA (DIR/ca.pem) and a certificate for 127.0.0.1 signed by it
# (DIR/server.pem, DIR/server.key).
#
# dovecot_config DIR UID GID PORT [TLS_PORT CERT KEY] prints the configuration alone (collect_imap.sh
# uses it with TLS): base_dir, state, log, passwd file and homes under DIR, mail owned by UID:GID,
# IMAP on 127.0.0.1:PORT, and with TLS_PORT also STARTTLS and imaps there with CERT and KEY.
dovecot_config() {
	if [ -n "${5:-}" ]; then
		ssl="yes
ssl_cert = <$6
ssl_key = <$7"
		imaps="address = 127.0.0.1
    port = $5
    ssl = yes"
	else
		ssl=no
		imaps="port = 0"
	fi
	cat <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $1/run
state_dir = $1/state
log_path = $1/dovecot.log
ssl = $ssl
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $1/passwd
}
userdb {
  driver = static
  args = uid=$2 gid=$3 home=$1/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $4
  }
  inet_listener imaps {
    $imaps
  }
}
service anvil {
  chroot =
}
CONF
}

make_test_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
		-subj "/CN=mailer test CA" >/dev/null 2>&1 || fail "openssl: CA"
	openssl req -newkey rsa:2048 -nodes -keyout "$1/server.key" -out "$1/server.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 || fail "openssl: request"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$1/ext"
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-out "$1/server.pem" -days 2 -extfile "$1/ext" >/dev/null 2>&1 || fail "openssl: sign"
}

start_dovecot() {
	dir=$1
	command -v dovecot >/dev/null || fail "dovecot is not installed (apt-get install dovecot-imapd)"
	if [ "$(id -u)" = 0 ]; then
		IMAP_USER=mailtest
		id "$IMAP_USER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$IMAP_USER" ||
			fail "cannot create the user $IMAP_USER"
	else
		IMAP_USER=$(id -un)
	fi
	uid=$(id -u "$IMAP_USER")
	gid=$(id -g "$IMAP_USER")
	IMAP_PORT=$(free_port)
	password="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	mkdir -p "$dir/run" "$dir/state" "$dir/home/$IMAP_USER/Maildir/new" "$dir/home/$IMAP_USER/Maildir/cur" \
		"$dir/home/$IMAP_USER/Maildir/tmp"
	IMAP_MAILDIR="$dir/home/$IMAP_USER/Maildir"
	printf '%s:{PLAIN}%s\n' "$IMAP_USER" "$password" >"$dir/passwd"
	IMAP_PASSWORD_FILE="$dir/imap-password"
	printf '%s\n' "$password" >"$IMAP_PASSWORD_FILE"
	chmod 600 "$IMAP_PASSWORD_FILE"
	if [ "${2:-}" = tls ]; then
		make_test_certs "$dir"
		IMAP_CA="$dir/ca.pem"
		IMAP_TLS_PORT=$(free_port)
		dovecot_config "$dir" "$uid" "$gid" "$IMAP_PORT" "$IMAP_TLS_PORT" "$dir/server.pem" "$dir/server.key" \
			>"$dir/dovecot.conf"
	else
		dovecot_config "$dir" "$uid" "$gid" "$IMAP_PORT" >"$dir/dovecot.conf"
	fi
	chown -R "$uid:$gid" "$dir/home"
	chmod 755 "$dir" "$dir/home"
	dovecot -F -c "$dir/dovecot.conf" &
	SERVER_PIDS="$SERVER_PIDS $!"
	wait_port "$IMAP_PORT"
}

# deliver_to_dovecot FILE...: put messages into the INBOX as its user, as an MDA would.
deliver_to_dovecot() {
	for f in "$@"; do
		cp "$f" "$IMAP_MAILDIR/new/$(basename "$f")"
	done
	chown -R "$(id -u "$IMAP_USER"):$(id -g "$IMAP_USER")" "$IMAP_MAILDIR"
}
