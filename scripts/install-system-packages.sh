#!/usr/bin/env bash
# Install the Debian packages Kbase needs, where apt is available and we are root.
# Used by .ci/run; operators can run it once on a new machine. Elsewhere it
# only prints what to install: a Django system check reports what is missing.
set -euo pipefail

PACKAGES=(
  python3-venv      # venv for the project's virtualenv
  gettext           # compilemessages for translations
  libpango-1.0-0    # WeasyPrint lays out text with Pango ...
  libpangoft2-1.0-0
  libharfbuzz-subset0  # ... and subsets embedded fonts with HarfBuzz (~0.15 s per PDF instead of ~5 s)
  fonts-noto-cjk    # Noto Serif/Sans CJK SC, the briefings' typefaces
  fontconfig        # fc-list, used by the PDF system check
  poppler-utils     # pdftotext/pdffonts: the tests read exported PDFs back
  postgresql-client # pg_dump/pg_restore for manage.py backup and restore on PostgreSQL
  chromium          # the browser journeys (pytest-playwright drives it; no browser download)
)

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Not root or no apt-get: install these packages yourself: ${PACKAGES[*]}" >&2
  exit 0
fi
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt or dpkg (unattended upgrades, a first boot's own set-up) may hold the locks: wait for them
# rather than fail. apt-get install waits for the dpkg lock itself (DPkg::Lock::Timeout); apt-get update
# does not wait for the lists lock, so it is retried until the same deadline.
wait_seconds=${APT_LOCK_TIMEOUT:-600}
deadline=$((SECONDS + wait_seconds))
until apt-get -o DPkg::Lock::Timeout="$wait_seconds" update -qq; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "apt-get update kept failing for ${wait_seconds} s (another apt holding the lock, or no package mirror)" >&2
    exit 1
  fi
  echo "apt-get update failed; another apt may hold the lock: retrying in 5 s" >&2
  sleep 5
done
apt-get -o DPkg::Lock::Timeout="$wait_seconds" install -y -qq --no-install-recommends "${missing[@]}"
