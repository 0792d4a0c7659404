#!/usr/bin/env bash
# Throw-away PostgreSQL and MariaDB servers on loopback for the tests and benchmarks.
#
#   scripts/dbservers.sh start   install (apt) when missing, initialise, start, create the test logins
#   scripts/dbservers.sh stop    stop both servers (data stays in $CRM_DBSERVERS_DIR)
#   scripts/dbservers.sh env     print export lines: CRM_PG_HOST/PORT/USER/PASSWORD, CRM_MY_...
#
# Idempotent: start on running servers only checks them. Runs as root on Debian 12; PostgreSQL runs
# as the 'postgres' OS user (initdb refuses root), MariaDB as 'mysql'.
set -euo pipefail

BASE="${CRM_DBSERVERS_DIR:-/tmp/crm-dbservers}"
PG_DIR="$BASE/pg"
MY_DIR="$BASE/my"
PG_PORT="${CRM_PG_PORT:-55432}"
MY_PORT="${CRM_MY_PORT:-53306}"
PG_USER=crmtest
MY_USER=crmtest
# Test-only passwords for servers that listen on 127.0.0.1 and live in a temp folder.
PG_PASSWORD='crm-pg-Test-7f3a'
MY_PASSWORD='crm-my-Test-9c1e'

log() { echo "dbservers: $*" >&2; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

install_if_missing() {
  local need=()
  [ -n "$(pg_bin)" ] || need+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting; we run our own instances.
    local policy=/usr/sbin/policy-rc.d created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created=1; fi
    apt-get install -y -qq "${need[@]}" >/dev/null
    if [ "$created" = 1 ]; then rm -f "$policy"; fi
  fi
}

pg_running() {
  local bin; bin="$(pg_bin)"
  [ -f "$PG_DIR/data/postmaster.pid" ] && su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$PG_DIR/data' status" >/dev/null 2>&1
}

start_pg() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$PG_DIR"
  chown postgres:postgres "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "initdb $PG_DIR/data"
    su postgres -s /bin/sh -c "'$bin/initdb' -D '$PG_DIR/data' -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8" >/dev/null
  fi
  if ! pg_running; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t 60 \
      -o \"-p $PG_PORT -c listen_addresses=127.0.0.1 -k '$PG_DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null
  fi
  local i
  for i in $(seq 1 60); do
    if su postgres -s /bin/sh -c "psql -h '$PG_DIR' -p $PG_PORT -U postgres -d postgres -Atc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  su postgres -s /bin/sh -c "psql -h '$PG_DIR' -p $PG_PORT -U postgres -d postgres -v ON_ERROR_STOP=1 -q" >/dev/null <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  END IF;
END\$\$;
SQL
  if ! su postgres -s /bin/sh -c "psql -h '$PG_DIR' -p $PG_PORT -U postgres -d postgres -Atc \"select 1 from pg_database where datname='crmtest'\"" | grep -q 1; then
    su postgres -s /bin/sh -c "psql -h '$PG_DIR' -p $PG_PORT -U postgres -d postgres -qc 'CREATE DATABASE crmtest OWNER $PG_USER'" >/dev/null
  fi
  PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d crmtest -Atc 'select 1' >/dev/null
}

my_running() {
  [ -S "$MY_DIR/mysqld.sock" ] && mariadb --no-defaults -S "$MY_DIR/mysqld.sock" -u root -e 'select 1' >/dev/null 2>&1
}

start_my() {
  mkdir -p "$MY_DIR"
  chown mysql:mysql "$MY_DIR"
  if [ ! -d "$MY_DIR/data/mysql" ]; then
    log "mariadb-install-db $MY_DIR/data"
    mariadb-install-db --no-defaults --user=mysql --datadir="$MY_DIR/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$MY_DIR/install.log" 2>&1
  fi
  if ! my_running; then
    log "starting MariaDB on 127.0.0.1:$MY_PORT"
    # setsid + nohup: the server outlives this script and the shell that ran it.
    setsid nohup mariadbd --no-defaults --user=mysql --datadir="$MY_DIR/data" --port="$MY_PORT" \
      --skip-networking=0 --bind-address=127.0.0.1 --socket="$MY_DIR/mysqld.sock" --pid-file="$MY_DIR/mysqld.pid" \
      --log-error="$MY_DIR/server.log" --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=256M \
      --local-infile=1 --max-allowed-packet=256M --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --max-connections=300 >/dev/null 2>&1 < /dev/null &
  fi
  local i
  for i in $(seq 1 60); do
    if my_running; then break; fi
    sleep 1
  done
  my_running || { log "MariaDB did not start; see $MY_DIR/server.log"; tail -n 30 "$MY_DIR/server.log" >&2 || true; exit 1; }
  mariadb --no-defaults -S "$MY_DIR/mysqld.sock" -u root <<SQL
CREATE USER IF NOT EXISTS '$MY_USER'@'127.0.0.1' IDENTIFIED BY '$MY_PASSWORD';
CREATE USER IF NOT EXISTS '$MY_USER'@'localhost' IDENTIFIED BY '$MY_PASSWORD';
ALTER USER '$MY_USER'@'127.0.0.1' IDENTIFIED BY '$MY_PASSWORD';
ALTER USER '$MY_USER'@'localhost' IDENTIFIED BY '$MY_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MY_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$MY_USER'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS crmtest CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
FLUSH PRIVILEGES;
SQL
  mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u "$MY_USER" -p"$MY_PASSWORD" -e 'select 1' >/dev/null
}

stop_all() {
  local bin; bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$PG_DIR/data' -m fast -w stop" >/dev/null 2>&1 || true
  fi
  if [ -f "$MY_DIR/mysqld.pid" ]; then
    local pid; pid="$(cat "$MY_DIR/mysqld.pid")"
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
}

print_env() {
  cat <<ENV
export CRM_PG_HOST=127.0.0.1
export CRM_PG_PORT=$PG_PORT
export CRM_PG_USER=$PG_USER
export CRM_PG_PASSWORD='$PG_PASSWORD'
export CRM_PG_DATABASE=crmtest
export CRM_MY_HOST=127.0.0.1
export CRM_MY_PORT=$MY_PORT
export CRM_MY_USER=$MY_USER
export CRM_MY_PASSWORD='$MY_PASSWORD'
export CRM_MY_DATABASE=crmtest
ENV
}

case "${1:-}" in
  start)
    mkdir -p "$BASE"
    chmod 755 "$BASE"
    install_if_missing
    start_pg
    start_my
    log "both servers accept connections"
    ;;
  stop) stop_all ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
