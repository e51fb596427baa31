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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
