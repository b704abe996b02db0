#!/usr/bin/env bash
# Debian's chromium for the Playwright browser tests (never `playwright install`).
#
#   scripts/browser.sh   # prints the browser's path; installs Debian's chromium when missing (root)
#
# Everything but the path goes to stderr. Exit 1 when no browser can be had.
set -euo pipefail
log() { echo "browser.sh: $*" >&2; }
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then
    log "chromium is not installed and we are not root: install Debian's chromium package"
    exit 1
fi
log "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >&2
echo /usr/bin/chromium
