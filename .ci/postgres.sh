#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster on loopback (port 5432) for the tests, create their role and database, and print
# the URL the tests read from MICROSCOPE_TEST_POSTGRES. Idempotent: a running cluster and an existing role are kept.
# Needs the `postgresql` package (`apt-get install postgresql`); run as root (initdb itself runs as `postgres`).
# `bash .ci/postgres.sh --restart` restarts the running server instead (MICROSCOPE_TEST_POSTGRES_RESTART).
set -euo pipefail

ROLE=microscope
PASSWORD=microscope  # a throwaway server on loopback, for tests only
DATABASE=microscope_test

# Only the URL goes to stdout (callers read it with $(…)), so every cluster tool's chatter goes to stderr: for
# instance "Removed stale pid file." when the machine was imaged while a server ran. (Not `exec 1>&2` with the URL
# on a saved descriptor: the server would inherit that descriptor and $(…) would wait for it forever.)
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if [ "${1:-}" = "--restart" ]; then
    exec pg_ctlcluster "$version" main restart >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main "; then
    pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
    pg_ctlcluster "$version" main start >&2
fi

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAX "$@"; }
# A test server: durability traded for speed (every test creates and drops its own schema).
as_postgres -c "ALTER SYSTEM SET fsync = off" -c "ALTER SYSTEM SET synchronous_commit = off" \
    -c "ALTER SYSTEM SET full_page_writes = off" -c "SELECT pg_reload_conf()" >/dev/null
if [ -z "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" ]; then
    as_postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ -z "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    # Byte-order collation, as SQLite compares text: names sort the same on both backends.
    as_postgres -c "CREATE DATABASE $DATABASE OWNER $ROLE TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >&2
fi
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:5432/$DATABASE"
