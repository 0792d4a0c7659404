#!/usr/bin/env bash
# A local SMTP sink for the tests: Debian's aiosmtpd (python3-aiosmtpd) on 127.0.0.1, storing every message it
# receives in a Maildir. Installs the package with apt when it is missing (CI starts from a clean machine).
#
#   scripts/smtpsink.sh install              install python3-aiosmtpd when missing
#   scripts/smtpsink.sh start MAILDIR        start on a free loopback port; prints "PORT PID"
#   scripts/smtpsink.sh stop PID             stop the sink started with that pid
set -euo pipefail
PY=/usr/bin/python3

install() {
  if ! "$PY" -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "smtpsink: installing python3-aiosmtpd" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-aiosmtpd >/dev/null
  fi
}

case "${1:-}" in
  install) install ;;
  start)
    install
    maildir="$2"
    mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    nohup "$PY" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" >"$maildir.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
      if "$PY" -c "import socket,sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then echo "$port $pid"; exit 0; fi
      sleep 0.1
    done
    echo "smtpsink: did not start (see $maildir.log)" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  stop) kill "$2" 2>/dev/null || true ;;
  *) echo "usage: $0 install | start MAILDIR | stop PID" >&2; exit 2 ;;
esac
