#!/usr/bin/env bash
# Puts htmx (the npm package htmx.org, pinned with its file's SHA-256) into web/static/vendor/,
# from the npm registry through npm itself: no CDN at run time, no Node build chain, and a
# changed file is refused rather than served.
set -euo pipefail

version=2.0.8
sha256=22283ef68cb7545914f0a88a1bdedc7256a703d1d580c1d255217d0a50d31313
dest="$(dirname "$0")/../web/static/vendor/htmx.min.js"

if [ -f "$dest" ] && echo "$sha256  $dest" | sha256sum --check --status; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is needed once to fetch htmx.org@$version" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$version" >/dev/null)
tar -xzf "$work/htmx.org-$version.tgz" -C "$work" package/dist/htmx.min.js
echo "$sha256  $work/package/dist/htmx.min.js" | sha256sum --check --status \
  || { echo "htmx.org@$version: unexpected SHA-256, not installed" >&2; exit 1; }
mkdir -p "$(dirname "$dest")"
cp "$work/package/dist/htmx.min.js" "$dest"
echo "htmx.org@$version installed into web/static/vendor/"
