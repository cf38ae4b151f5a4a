#!/usr/bin/env bash
# Writes the shipped example replies (examples/replies/*.eml.in, several mail clients' styles) into a
# Maildir, addressed as replies to the demo's deliveries: the tokens are random per state file, so
# each reply takes its To, Message-ID and tokened Reply-To from one message in the outbox.
# usage: scripts/demo-replies.sh OUTBOX_MAILDIR INBOX_MAILDIR
set -euo pipefail
outbox=$1 inbox=$2
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$inbox/new" "$inbox/cur" "$inbox/tmp"

# The unfolded value of header $1 in file $2 (the header block only).
header() {
  awk -v want="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
    /^\r?$/ { exit }
    /^[ \t]/ { if (cur == want) val = val " " substr($0, 2); next }
    { if (cur == want) { print val; found = 1; exit }
      i = index($0, ":"); cur = tolower(substr($0, 1, i - 1)); val = substr($0, i + 1); sub(/^[ \t]+/, "", val) }
    END { if (!found && cur == want) print val }' "$2" | tr -d '\r'
}

mapfile -t messages < <(for f in "$outbox"/new/*; do printf '%s\t%s\n' "$(header To "$f")" "$f"; done | sort | cut -f2)
n=0
for tmpl in "$here"/examples/replies/*.eml.in; do
  [ $n -lt ${#messages[@]} ] || break
  msg=${messages[$n]}
  n=$((n + 1))
  reply_to=$(header Reply-To "$msg" | sed 's/.*<\(.*\)>.*/\1/')
  msgid=$(header Message-ID "$msg" | tr -d '<> ')
  token=${msgid%%.*}
  out="$inbox/new/demo-$(basename "$tmpl" .eml.in).eml"
  FROM=$(header To "$msg") SUBJECT=$(header Subject "$msg") REPLY_TO=$reply_to MSGID=$msgid TOKEN=$token \
    awk '{ gsub(/@FROM@/, ENVIRON["FROM"]); gsub(/@SUBJECT@/, ENVIRON["SUBJECT"]);
           gsub(/@REPLY_TO@/, ENVIRON["REPLY_TO"]); gsub(/@MSGID@/, ENVIRON["MSGID"]);
           gsub(/@TOKEN@/, ENVIRON["TOKEN"]); print }' "$tmpl" > "$out"
done
echo "$n example replies written to $inbox/new"
