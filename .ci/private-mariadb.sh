# Sourced by the .ci benchmarks. start_private_mariadb DIR POOL starts a
# MariaDB of its own under DIR/db (socket DIR/db/sock, pid DIR/db/pid,
# no network) with an InnoDB buffer pool of POOL, and waits until it
# answers. The caller stops it.
start_private_mariadb() {
  local work=$1 pool=$2
  mkdir -p "$work/db"
  mariadb-install-db --no-defaults --datadir="$work/db/data" --auth-root-authentication-method=normal \
    --skip-test-db --user="$(id -un)" >/dev/null
  mariadbd --no-defaults --datadir="$work/db/data" --socket="$work/db/sock" --skip-networking \
    --user="$(id -un)" --pid-file="$work/db/pid" --log-error="$work/db/err.log" --skip-log-bin \
    --innodb-buffer-pool-size="$pool" &
  for _ in $(seq 100); do
    mariadb -S "$work/db/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "MariaDB did not start; see $work/db/err.log" >&2
  return 1
}
