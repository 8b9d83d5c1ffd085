#!/usr/bin/env bash
# Installs from Debian's packages what Sceau runs besides Python: LibreOffice (headless
# Writer, and its UNO bindings) for PDF conversion, fonts metric-compatible with the usual Office fonts, poppler,
# and Chromium, the browser that tests/browser drives (Playwright never downloads one).
set -euo pipefail

packages=(libreoffice-writer-nogui python3-uno fonts-crosextra-carlito fonts-crosextra-caladea
          fonts-liberation2 fonts-dejavu-core poppler-utils)
# Only the tests need these (the Docker image does not).
test_packages=(chromium)

missing=()
# A dangling /usr/bin/soffice stays behind when LibreOffice is removed: ask it to answer.
timeout 60 soffice --version >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
# The warm converter pool drives LibreOffice through its UNO bindings in Debian's Python.
/usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || missing+=(python3-uno)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -n "$(fc-list :family=Carlito 2>/dev/null)" ] || missing+=(fonts-crosextra-carlito)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

packages+=("${test_packages[@]}")
echo "Installing from Debian packages: ${packages[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Run as root or install: ${packages[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Another install (a second checkout's `make`) may hold dpkg's lock: wait for it, not fail.
wait_for_lock=(-o DPkg::Lock::Timeout=600)
$sudo apt-get "${wait_for_lock[@]}" update -qq
$sudo apt-get "${wait_for_lock[@]}" install -y -qq --no-install-recommends "${packages[@]}"
