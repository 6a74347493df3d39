#!/usr/bin/env bash
# Debian packages the test suite needs beyond npm: Chromium for the HTML report's browser test,
# xmllint for the JUnit schema check. Installs what is missing when it can (root + apt-get);
# otherwise says what to install, and the tests that need it fail with the same advice.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (Debian packages the tests need)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null || echo "could not install ${need[*]}"
else
  echo "missing ${need[*]}: install them (Debian: apt-get install ${need[*]}) for the browser and JUnit schema tests"
fi
exit 0
