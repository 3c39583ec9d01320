#!/usr/bin/env bash
# Builds PostgreSQL's own regression database ("regression") on a running PostgreSQL 15 server:
# the richest schema there is, used as a migration source by the integration test and CI.
#
#   scripts/regression-db.sh fetch
#       Downloads the Debian source package of the installed postgresql-15 and unpacks it into
#       $PGFERRY_CACHE/postgresql-15-src (default cache /var/cache/pgferry, readable by every user
#       that runs the tests). Needs root (it adds a deb-src entry to the apt sources and runs
#       apt-get update). Does nothing if already unpacked.
#
#   scripts/regression-db.sh load [--host H] [--port P] [--user U] [--log FILE] [--timeout SECS]
#                                 [--skip 'NAME ...']
#       (Re)creates database "regression" and runs src/test/regress/parallel_schedule serially
#       into it, as pg_regress would. Defaults come from PGHOST/PGPORT/PGUSER. The user must be a
#       superuser, and the server must run on this machine: the scripts make the server read
#       (COPY FROM) and write (COPY TO, lo_export) files under the source tree. Script output goes
#       to the log (default $PGFERRY_CACHE/regression-load.log, or in $TMPDIR when the cache is not
#       writable); prints a one-line summary.
#
# Expected imperfections (the database is still the richest one available):
# - About 18 scripts call functions from the C module regress.so, which only a source build
#   has: those statements fail and the objects built on them are missing. Accepted.
# - Many statements fail on purpose (the suite tests errors): the log is full of ERRORs.
# - Cluster-wide objects: the scripts create ~180 roles (regress_*), a tablespace and databases
#   (regression_*), and with 15.18 drop them all again by the end. "load" still drops leftovers
#   of an interrupted run first (regress_* roles and tablespaces, regression_* databases), so
#   that a second load behaves like the first: run it on a throwaway server only.
set -euo pipefail
export LC_NUMERIC=C   # $EPOCHREALTIME (timings) prints a locale-dependent decimal point

cache=${PGFERRY_CACHE:-/var/cache/pgferry}
src=$cache/postgresql-15-src
pkg=postgresql-15
pgbin=/usr/lib/postgresql/15/bin

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
die() { echo "regression-db: $*" >&2; exit 1; }
say() { echo "regression-db: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------------------------

# Prints the Signed-By value of the deb822 stanza (*.sources) or one-line entry (*.list) that
# serves "deb URI SUITE", so that our deb-src entry carries the same one: apt refuses entries for
# the same repository with conflicting Signed-By values.
signed_by_for() {
  local uri=${1%/} suite=$2 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    awk -v RS= -v uri="$uri" -v suite="$suite" '
      { n = split($0, L, "\n"); t = u = s = sb = ""
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^#/) continue
          if (match(L[i], /^[Tt]ypes:/)) t = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^URIs:/)) u = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^Suites:/)) s = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^Signed-By:/)) sb = substr(L[i], RLENGTH + 1)
        }
        gsub(/\/( |$)/, " ", u)
        if ((" " t " ") ~ / deb / && (" " u " ") ~ (" " uri " ") && (" " s " ") ~ (" " suite " ")) {
          gsub(/^ +| +$/, "", sb); print sb; exit
        }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -e $f ]] || continue
    grep -E "^[[:space:]]*deb[[:space:]].*${uri//./\\.}/?[[:space:]]+${suite}[[:space:]]" "$f" |
      grep -oE 'signed-by=[^] ]+' | head -n 1 | cut -d= -f2 || true
  done
}

# True when an apt source of type deb-src for URI SUITE is configured (downloaded or not).
has_deb_src() {
  local uri=${1%/} suite=$2
  # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Sources' 2>/dev/null |
    grep -qxF "$uri/ $suite"
}

fetch() {
  if [[ -f $src/src/test/regress/parallel_schedule ]]; then
    say "source already in $src ($(cat "$src/.pgferry-version" 2>/dev/null || echo '?'))"
    return 0
  fi
  # apt-get update and writing to /etc/apt need root; say so instead of failing halfway
  [[ $(id -u) -eq 0 ]] || die "fetch needs root (it adds a deb-src apt source and runs apt-get update); run it with sudo, or as root"
  export DEBIAN_FRONTEND=noninteractive
  umask 022 # the tree is read by whoever runs the tests
  # one of pgferry's apt runs at a time (test-all.sh takes the same lock): two fetches at once
  # would both add the deb-src entry, and one would fail on apt's own lock
  exec 9>/var/lock/pgferry-apt.lock
  flock 9
  if [[ -f $src/src/test/regress/parallel_schedule ]]; then
    say "source already in $src (fetched while this one waited)"
    return 0
  fi

  # The scripts must match the server: take the installed version, and the repository (URI and
  # suite, e.g. bookworm or bookworm-security) that apt knows it from.
  local version line uri suite comp
  version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) || die "$pkg is not installed"
  line=$(apt-cache madison "$pkg" | awk -F' [|] ' -v v="$version" '$2 == v && $3 ~ / Packages$/ { print $3; exit }')
  if [[ -z $line ]]; then
    # installed from a repository that no longer lists it: use the newest version apt knows
    line=$(apt-cache madison "$pkg" | awk -F' [|] ' '$3 ~ / Packages$/ { print $3; exit }')
    [[ -n $line ]] || die "no apt repository provides $pkg"
    say "warning: $pkg $version is in no configured repository; using the newest source instead"
    version=""
  fi
  read -r uri suite _ <<<"$line"   # "http://deb.debian.org/debian bookworm/main amd64 Packages"
  comp=${suite#*/}; suite=${suite%%/*}

  # Add the deb-src entry only if the repository has none yet (never edit existing files)
  if ! has_deb_src "$uri" "$suite"; then
    local list=/etc/apt/sources.list.d/pgferry-deb-src.sources sb
    sb=$(signed_by_for "$uri" "$suite" | head -n 1)
    say "adding deb-src $uri $suite $comp to $list"
    {
      echo "# Added by pgferry scripts/regression-db.sh (source of $pkg for the regression tests)"
      echo "Types: deb-src"
      echo "URIs: $uri"
      echo "Suites: $suite"
      echo "Components: $comp"
      [[ -z $sb ]] || echo "Signed-By: $sb"
      echo
    } >>"$list"
  fi
  # apt-get update only when apt does not know that source version yet
  if ! apt-cache showsrc "$pkg" 2>/dev/null | grep -qxF "Version: $version"; then
    apt-get update -q >&2
  fi
  # dpkg-source unpacks the package (and applies Debian's patches)
  command -v dpkg-source >/dev/null || apt-get install -y -q --no-install-recommends dpkg-dev >&2

  # Download into a scratch dir next to the cache and rename at the end, so that an interrupted
  # fetch never leaves a half-unpacked tree that the next run would take as complete.
  mkdir -p "$cache"
  local tmp
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # _apt cannot write into a root-only dir: download unsandboxed (we are root anyway)
  (cd "$tmp" && apt-get source -q --download-only -o APT::Sandbox::User=root \
    "$pkg${version:+=$version}" >&2)
  local dsc
  dsc=$(ls "$tmp"/*.dsc) || die "apt-get source downloaded no .dsc"
  # (its warning "cannot verify inline signature" is harmless: apt checked the files' hashes
  # against the signed Sources index)
  dpkg-source -x "$dsc" "$tmp/tree" >&2
  (cd "$tmp" && basename "$dsc" .dsc) >"$tmp/tree/.pgferry-version"
  rm -rf "$src"
  mv "$tmp/tree" "$src"
  rm -rf "$tmp"
  trap - EXIT
  say "unpacked $(cat "$src/.pgferry-version") into $src"
}

# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------

# psql as our own client (not one of the test scripts): -X ignores ~/.psqlrc, -w never prompts for
# a password (a prompt would read the terminal and hang), -v ON_ERROR_STOP=1 makes failures fatal.
# PGOPTIONS hides NOTICEs such as "database does not exist, skipping".
admin() {
  PGAPPNAME=pgferry-regression-db PGOPTIONS="-c client_min_messages=warning" \
    "$psql" -X -w -q -At -v ON_ERROR_STOP=1 "$@"
}

load() {
  local log=$cache/regression-load.log per_script=300 skip=" "
  [[ -w $cache ]] || log=${TMPDIR:-/tmp}/pgferry-regression-load-$(id -u).log
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h | --host) export PGHOST=$2; shift 2 ;;
      -p | --port) export PGPORT=$2; shift 2 ;;
      -U | --user) export PGUSER=$2; shift 2 ;;
      --log) log=$2; shift 2 ;;
      --timeout) per_script=$2; shift 2 ;;   # seconds allowed per script
      --skip) skip+="$2 "; shift 2 ;;          # space-separated script names not to run
      *) die "load: unknown option $1" ;;
    esac
  done
  local regress=$src/src/test/regress
  [[ -f $regress/parallel_schedule ]] || die "no source in $src: run '$0 fetch' first (as root)"
  psql=$pgbin/psql
  [[ -x $psql ]] || psql=$(command -v psql) || die "psql not found"
  # No reconnect may silently hang on an unreachable host or ask for a password
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
  unset PGDATABASE PGSERVICE

  # The server must be a superuser-accessible PostgreSQL 15 (the scripts are 15's)
  local ver super
  ver=$(admin -d postgres -c 'SHOW server_version_num') || die "cannot connect to the server (host ${PGHOST:-default}, port ${PGPORT:-5432}, user ${PGUSER:-$USER})"
  [[ ${ver:0:2} == 15 ]] || say "warning: server is $ver, the scripts are PostgreSQL 15's: expect many more failures"
  super=$(admin -d postgres -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')
  [[ $super == t ]] || die "user $(admin -d postgres -c 'SELECT current_user') is not a superuser"

  # Scratch dir standing for pg_regress's source and build dirs (PG_ABS_SRCDIR, PG_ABS_BUILDDIR).
  # The *server* reads data/*.data (COPY FROM, lo_import) and writes results/* (COPY TO,
  # lo_export), so both must be reachable by the server's OS user (postgres), which a cache
  # under /root is not: copy data/ (1.7 MB) to a world-readable dir with a world-writable results/.
  # (No testtablespace dir: up to 14 the tablespace script needed one writable by the server,
  # 15's uses an in-place tablespace (allow_in_place_tablespaces) inside the data directory.)
  local stage
  stage=$(mktemp -d "${TMPDIR:-/tmp}/pgferry-regress.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  cp -r "$regress/data" "$stage/data"
  mkdir -p "$stage/results"
  chmod 755 "$stage"
  chmod -R a+rX "$stage/data"
  chmod 777 "$stage/results"
  # If the server cannot see that dir, it runs on another machine/container: the tables would
  # load without their rows, which is not the database we want
  admin -d postgres -c "SELECT pg_stat_file('$stage/data/onek.data')" >/dev/null 2>&1 ||
    die "the server cannot read $stage/data/onek.data: it must run on this machine (the scripts COPY server-side files)"

  # Start clean: drop the database and what earlier runs left outside it (other databases,
  # tablespaces and roles the scripts create, all named regress*/regression_* by convention)
  local obj
  admin -d postgres -c 'DROP DATABASE IF EXISTS regression WITH (FORCE)'
  while IFS= read -r obj; do
    admin -d postgres -c "DROP DATABASE IF EXISTS $obj WITH (FORCE)" </dev/null ||
      say "warning: could not drop database $obj"
  done < <(admin -d postgres -c "SELECT quote_ident(datname) FROM pg_database WHERE datname ~ '^regress(ion)?_'")
  while IFS= read -r obj; do
    admin -d postgres -c "DROP TABLESPACE IF EXISTS $obj" </dev/null || say "warning: could not drop tablespace $obj"
  done < <(admin -d postgres -c "SELECT quote_ident(spcname) FROM pg_tablespace WHERE spcname ~ '^regress_'")
  while IFS= read -r obj; do
    admin -d postgres -c "DROP OWNED BY $obj" -c "DROP ROLE IF EXISTS $obj" </dev/null >/dev/null 2>&1 ||
      say "warning: could not drop role $obj"
  done < <(admin -d postgres -c "SELECT quote_ident(rolname) FROM pg_roles WHERE rolname ~ '^regress_'")
  # As pg_regress's create_database(), but always UTF8 with the C locale (as pg_regress
  # --encoding=UTF8 --no-locale): the same database whatever locale the cluster was made with,
  # and the UTF8-only scripts (collate.icu.utf8, json_encoding, ...) run instead of quitting.
  admin -d postgres <<'SQL'
CREATE DATABASE regression TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
ALTER DATABASE regression SET lc_messages TO 'C';
ALTER DATABASE regression SET lc_monetary TO 'C';
ALTER DATABASE regression SET lc_numeric TO 'C';
ALTER DATABASE regression SET lc_time TO 'C';
ALTER DATABASE regression SET bytea_output TO 'hex';
ALTER DATABASE regression SET timezone_abbreviations TO 'Default';
SQL

  # The environment pg_regress gives the scripts (initialize_environment() in pg_regress.c).
  # The scripts read PG_* with \getenv, so they are environment variables, not psql -v ones.
  # PG_LIBDIR is where the server finds C modules: '$libdir' (expanded by the server) finds
  # contrib's autoinc.so and refint.so, used by the triggers script; regress.so is nowhere.
  export PG_ABS_SRCDIR=$stage PG_ABS_BUILDDIR=$stage PG_DLSUFFIX=.so
  # shellcheck disable=SC2016 # a literal $libdir, for the server to expand
  export PG_LIBDIR=${PG_LIBDIR:-'$libdir'}
  export PGTZ=America/Los_Angeles PGDATESTYLE='Postgres, MDY'
  export PGOPTIONS="${PGOPTIONS:-} -c intervalstyle=postgres_verbose"
  export PGAPPNAME=pg_regress LC_MESSAGES=C
  unset LANGUAGE LC_ALL PGCLIENTENCODING

  local tests=() t
  # "test: a b c" lines; the groups run in parallel under pg_regress, here one after the other
  while read -r kw rest; do
    [[ $kw == test: ]] || continue
    for t in $rest; do [[ $skip == *" $t "* ]] || tests+=("$t"); done
  done <"$regress/parallel_schedule"

  mkdir -p "$(dirname "$log")"
  : >"$log"
  say "loading ${#tests[@]} scripts into database regression; output in $log"
  local start=$EPOCHREALTIME t0 rc n=0 failed=()
  for t in "${tests[@]}"; do
    t0=$EPOCHREALTIME
    echo "=== $t" >>"$log"
    # The script is psql's stdin, so nothing can wait for input. The timeout guards against a
    # script blocked on a lock or a sleep: psql gets TERM, then KILL 10 s later.
    set +e
    timeout -k 10 "$per_script" "$psql" -X -w -a -q -d regression \
      -v HIDE_TABLEAM=on -v HIDE_TOAST_COMPRESSION=on \
      -v PG_ABS_SRCDIR="$PG_ABS_SRCDIR" -v PG_ABS_BUILDDIR="$PG_ABS_BUILDDIR" -v PG_LIBDIR="$PG_LIBDIR" \
      <"$regress/sql/$t.sql" >>"$log" 2>&1
    rc=$?
    set -e
    n=$((n + 1))
    echo "=== $t: exit $rc, $(elapsed "$t0") s" >>"$log"
    if [[ $rc -ne 0 ]]; then
      # 124/137: timed out; 2: lost the connection (server crash?); 1: psql itself failed
      failed+=("$t(exit $rc)")
      # A killed psql may leave its backend running (still holding locks): end it. If the
      # server no longer answers, the remaining scripts would each fail too: stop here.
      admin -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg_regress'" >/dev/null ||
        die "after script $t (exit $rc) the server does not answer; see $log"
    fi
  done
  rm -rf "$stage"
  trap - EXIT
  echo "regression-db: ran $n scripts into database regression in $(elapsed "$start") s" \
    "(${#failed[@]} psql failures${failed[*]:+: ${failed[*]}}); SQL errors expected, log: $log"
  # A failing psql (timeout, lost connection) means the database may be incomplete
  [[ ${#failed[@]} -eq 0 ]]
}

case ${1:-} in
  fetch) shift; fetch "$@" ;;
  load) shift; load "$@" ;;
  *) die "usage: $0 fetch | load [--host H] [--port P] [--user U] [--log FILE] [--timeout SECS] [--skip 'NAME ...']" ;;
esac
