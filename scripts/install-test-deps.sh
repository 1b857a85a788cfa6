#!/usr/bin/env bash
# Installs the external tools the interop tests compare against (Debian packages), only when missing.
set -euo pipefail
packages=()
command -v spm_encode >/dev/null 2>&1 || packages+=(sentencepiece)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing test dependencies: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
