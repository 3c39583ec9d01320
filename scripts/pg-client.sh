#!/usr/bin/env bash
# PostgreSQL client programs of a major this Debian release does not ship: pg_dump refuses servers
# newer than itself, and Debian 12 has only PostgreSQL 15's clients. The tests' schema oracle is
# pg_dump 17; 18 is served the same way.
#
#   scripts/pg-client.sh MAJOR PROGRAM [ARGS...]   runs PROGRAM (pg_dump, pg_restore, psql, ...),
#                                                  fetching the client first if it is not there
#   scripts/pg-client.sh MAJOR --fetch             fetches only; says so when already there
#   scripts/pg-client.sh MAJOR --prefix            prints the bin folder; exits 3, naming the
#                                                  command that fetches it, when it is not there
#
# The fetch takes the first suite of $PGFERRY_PG_SUITES (default: trixie trixie-backports forky)
# whose index, on the Debian mirror this machine's apt sources already name, lists
# postgresql-client-MAJOR (17 is in trixie; 18 in forky). It downloads that package and the
# libraries it needs (the "libs" section packages its dependencies lead to), all from that one
# suite, with apt-get against a private apt state in the cache, and unpacks them with dpkg -x into
# $PGFERRY_CACHE/pg-client/MAJOR (default cache /var/cache/pgferry; everything of this script,
# its lock and scratch folders included, stays under pg-client/). The system's packages, apt
# sources and apt state are never touched. The programs then run through that release's own
# dynamic loader with its libraries, beside the system's older libc. (A program that starts a
# sibling by its own path, like pg_dumpall starting pg_dump, would find the loader instead.)
#
# Needs write access to the cache (root, or PGFERRY_CACHE set to a folder of your own) only to
# fetch. Concurrent fetches wait for each other (flock); a fetch that stops halfway leaves nothing
# that looks installed.
set -euo pipefail
umask 022 # the cache is read by every user that runs the tests

cache=${PGFERRY_CACHE:-/var/cache/pgferry}
home=$cache/pg-client
suites=${PGFERRY_PG_SUITES:-trixie trixie-backports forky}
me=scripts/pg-client.sh

die() { echo "pg-client: $*" >&2; exit 1; }
say() { echo "pg-client: $*" >&2; }

major=${1:-}
[[ $major =~ ^[0-9]+$ && -n ${2:-} ]] || die "usage: $me MAJOR PROGRAM [ARGS...] | MAJOR --fetch | MAJOR --prefix"
shift
root=$home/$major
bin=$root/usr/lib/postgresql/$major/bin

installed() { [[ -x $bin/pg_dump && -f $root/.pgferry-source ]]; }

# The URI (and Signed-By keyring, if any) of the machine's Debian mirror: the first enabled "deb"
# entry of the apt sources for this release's own suite (bookworm). Prints "URI [KEYRING]".
debian_mirror() {
  local f found codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || die "/etc/os-release names no VERSION_CODENAME: is this Debian?"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    found=$(awk -v RS= -v release="$codename" '
      { n = split($0, L, "\n"); t = u = s = k = ""; on = 1
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^#/) continue
          if (match(L[i], /^Types:[ \t]*/)) t = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^URIs:[ \t]*/)) u = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^Suites:[ \t]*/)) s = substr(L[i], RLENGTH + 1)
          else if (match(L[i], /^Signed-By:[ \t]*/)) k = substr(L[i], RLENGTH + 1)
          else if (L[i] ~ /^Enabled:[ \t]*no/) on = 0
        }
        split(u, U, /[ \t]+/)
        if (on && (" " t " ") ~ / deb / && (" " s " ") ~ (" " release " ") && U[1] != "") {
          print U[1], (k ~ /^\// ? k : ""); exit
        }
      }' "$f")
    if [[ -n $found ]]; then echo "$found"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -e $f ]] || continue
    found=$(awk -v release="$codename" '$1 == "deb" {
        k = ""; if (match($0, /signed-by=[^] ]+/)) k = substr($0, RSTART + 10, RLENGTH - 10)
        for (i = 2; i < NF; i++) if ($i ~ /^[a-z]+:\/\// && $(i + 1) == release) { print $i, k; exit }
      }' "$f")
    if [[ -n $found ]]; then echo "$found"; return; fi
  done
}

# apt-get/apt-cache options for the private apt state of one suite (created on first use)
apt_opts() {
  local suite=$1 state=$home/apt/$1
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/sources.list.d" "$state/preferences.d"
  : >>"$state/status"
  o=(-o "Dir::State=$state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
    -o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=$state/sources.list.d"
    -o "Dir::Etc::preferences=$state/preferences" -o "Dir::Etc::preferencesparts=$state/preferences.d"
    -o "Dir::Cache::pkgcache=$state/cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$state/cache/srcpkgcache.bin"
    -o "APT::Default-Release=$suite" -o "Acquire::Languages=none" -q)
  # the _apt user that apt downloads as cannot write into a folder only root may enter
  [[ $(id -u) -ne 0 ]] || o+=(-o "APT::Sandbox::User=root")
}

# Points the suite's private state at the mirror and downloads its index
update_suite() {
  local suite=$1 uri=$2 key=$3 opt=""
  [[ -z $key ]] || opt="[signed-by=$key] "
  {
    echo "deb ${opt}$uri $suite main"
    # a backports suite carries only what it backports: the rest comes from its release
    [[ $suite != *-backports ]] || echo "deb ${opt}$uri ${suite%-backports} main"
  } >"$home/apt/$suite/sources.list"
  apt-get "${o[@]}" update >&2 || die "apt-get update of $uri $suite failed (see above)"
}

# The packages to unpack: the client and, following Depends and Pre-Depends, every package of
# section "libs" they lead to (libc, libpq, OpenSSL, ...); not the Perl wrappers and such.
package_closure() {
  local -A seen=()
  local level=("$1") next out p section
  seen[$1]=1
  while [[ ${#level[@]} -gt 0 ]]; do
    echo "${level[@]}"
    # the names the level's Depends and Pre-Depends mention (versions and :any dropped)
    out=$(apt-cache "${o[@]}" show --no-all-versions "${level[@]}" 2>/dev/null | awk '
      /^(Pre-)?Depends:/ { sub(/^[^:]*:/, ""); gsub(/\([^)]*\)|:[a-z0-9]+/, ""); gsub(/[,|]/, " "); print }') || true
    next=()
    for p in $out; do
      [[ -z ${seen[$p]:-} ]] || continue
      seen[$p]=1
      next+=("$p")
    done
    # keep only the library packages of the next level (others are not followed either)
    level=()
    [[ ${#next[@]} -gt 0 ]] || break
    while read -r p section; do
      if [[ $section =~ (^|/)libs$ ]]; then level+=("$p"); fi
    done < <(apt-cache "${o[@]}" show --no-all-versions "${next[@]}" 2>/dev/null | awk '
      /^Package:/ { p = $2 } /^Section:/ { print p, $2 }' || true)
  done
}

fetch() {
  mkdir -p "$home" 2>/dev/null && [[ -w $home ]] ||
    die "cannot write $home: run as root (sudo $me $major --fetch), or set PGFERRY_CACHE to a folder you own"
  for tool in apt-get apt-cache dpkg flock; do
    command -v "$tool" >/dev/null || die "$tool not found: this script needs a Debian system with apt and util-linux"
  done
  exec 9>"$home/lock"
  flock 9
  if installed; then return 0; fi # fetched by another process while this one waited

  local mirror uri key suite="" s found
  mirror=$(debian_mirror)
  read -r uri key <<<"$mirror"
  [[ -n ${uri:-} ]] || die "no Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
  for s in $suites; do
    apt_opts "$s"
    update_suite "$s" "$uri" "${key:-}"
    found=$(apt-cache "${o[@]}" show --no-all-versions "postgresql-client-$major" 2>/dev/null) || true
    if [[ $found == "Package: postgresql-client-$major"* ]]; then
      suite=$s
      break
    fi
    say "postgresql-client-$major is not in $uri $s"
  done
  [[ -n $suite ]] || die "no suite of $uri among ($suites) has postgresql-client-$major; set PGFERRY_PG_SUITES to one that does"

  local tmp pkgs
  tmp=$(mktemp -d "$home/.$major.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  mapfile -t pkgs < <(package_closure "postgresql-client-$major" | tr ' ' '\n')
  say "fetching ${#pkgs[@]} packages of $uri $suite: ${pkgs[*]}"
  mkdir "$tmp/debs" "$tmp/root"
  (cd "$tmp/debs" && apt-get "${o[@]}" download "${pkgs[@]}" >&2) || die "apt-get download failed (see above)"
  local deb
  for deb in "$tmp"/debs/*.deb; do
    dpkg -x "$deb" "$tmp/root"
    dpkg-deb --show --showformat '${Package} ${Version}\n' "$deb" >>"$tmp/root/.pgferry-source"
  done
  sed -i "1i # $uri $suite, fetched $(date -u +%FT%TZ) by $me" "$tmp/root/.pgferry-source"
  rm -rf "$root"
  mv "$tmp/root" "$root"
  rm -rf "$tmp"
  trap - EXIT
  installed || die "the packages of $suite have no $bin/pg_dump"
  say "unpacked postgresql-client-$major ($(grep "^postgresql-client-$major " "$root/.pgferry-source" | cut -d' ' -f2)) into $root"
}

# Runs a program of the unpacked client through the unpacked release's loader and libraries
run() {
  local prog=$1 dir lib="" loader multiarch
  shift
  [[ -x $bin/$prog ]] || die "no program $prog in $bin"
  for dir in "$root"/usr/lib/* "$root"/lib/*; do
    if [[ -e $dir/libc.so.6 ]]; then lib=$dir; break; fi
  done
  [[ -n $lib ]] || die "$root has no libc.so.6: remove that folder and run '$me $major --fetch' again"
  for loader in "$lib"/ld-linux*.so.[0-9]; do break; done
  [[ -e $loader ]] || die "no dynamic loader (ld-linux*.so) in $lib"
  multiarch=${lib##*/}
  exec "$loader" --library-path "$root/usr/lib/$multiarch:$root/lib/$multiarch" "$bin/$prog" "$@"
}

case $1 in
  --prefix)
    installed || { echo "pg-client: postgresql-client-$major is not in $root: run '$me $major --fetch' (as root, or with PGFERRY_CACHE set to a folder you own)" >&2; exit 3; }
    echo "$bin"
    ;;
  --fetch)
    if installed; then
      say "postgresql-client-$major already in $root ($(sed -n 1p "$root/.pgferry-source" | cut -c3-))"
    else
      fetch
    fi
    ;;
  -*) die "unknown option $1" ;;
  *)
    installed || fetch
    run "$@"
    ;;
esac
