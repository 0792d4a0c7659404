#!/usr/bin/env bash
# Headless Chromium for the report tests: Debian's chromium, with a CJK font so Chinese labels render.
# Installs the packages with apt when they are missing (CI starts from a clean machine).
#
#   scripts/browser.sh install     install chromium and fonts-wqy-zenhei when missing
set -euo pipefail

install() {
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
  if [ ${#need[@]} -gt 0 ]; then
    echo "browser: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

case "${1:-}" in
  install) install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
