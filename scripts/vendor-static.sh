#!/usr/bin/env bash
# Re-create static/vendor/ from the npm registry: the charting library and the map the overview
# pages draw (served from static/, never from a CDN; the site needs no internet at run time).
#
#   echarts 5.6.0 (Apache-2.0): dist/echarts.min.js, LICENSE, NOTICE
#   echarts 4.9.0 (Apache-2.0): map/json/china.json, the province outlines ECharts 4 shipped
#                               (ECharts 5 ships no maps); feature ids are the provinces' adcodes
#
# Each tarball is checked against the registry's sha512 integrity before anything is copied.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch <package@version> <expected sha512 integrity>
  local spec=$1 integrity=$2
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  local file
  file=$(ls "$work"/*.tgz | head -n 1)
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $spec: $actual" >&2
    exit 1
  fi
  mkdir -p "$work/${spec//[@\/]/_}"
  tar xzf "$file" -C "$work/${spec//[@\/]/_}"
  rm "$file"
}

fetch echarts@5.6.0 "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
fetch echarts@4.9.0 "sha512-+ugizgtJ+KmsJyyDPxaw2Br5FqzuBnyOWwcxPKO6y0gc5caYcfnEUIlNStx02necw8jmKmTafmpHhGo4XDtEIA=="
target=static/vendor/echarts
mkdir -p "$target"
cp "$work/echarts_5.6.0/package/dist/echarts.min.js" "$target/echarts.min.js"
cp "$work/echarts_5.6.0/package/LICENSE" "$target/LICENSE"
cp "$work/echarts_5.6.0/package/NOTICE" "$target/NOTICE"
cp "$work/echarts_4.9.0/package/map/json/china.json" "$target/china.json"
echo "static/vendor/echarts/ written"
