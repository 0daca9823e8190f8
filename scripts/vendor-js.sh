#!/bin/sh
# Reproduce the JavaScript the volunteer page ships in plugins/qr_checkin/static/vendor/ from
# the npm registry: an exact version, its published tarball checked by SHA-256, the file and
# its licence copied unchanged (so anyone can check them against the registry).
#
#   scripts/vendor-js.sh          fetch with `npm pack`, check, copy into the package
#   scripts/vendor-js.sh --check  check the copies in the package only (no network)
#
# jsQR decodes QR codes in plain JavaScript; the page loads it only when a browser has no
# BarcodeDetector (iOS Safari, WeChat and QQ's browsers, Firefox, desktop Chrome on Linux).
set -eu

NAME=jsqr
VERSION=1.4.0
TARBALL_SHA256=b5299b37917a1fe7a8cab9dd5cc6b8accf82663add80abe5bf7761a921cc6602
JS_SHA256=bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859
LICENSE_SHA256=c6596eb7be8581c18be736c846fb9173b69eccf6ef94c5135893ec56bd92ba08

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR="$ROOT/plugins/qr_checkin/static/vendor"

check() {  # FILE SHA256
    echo "$2  $1" | sha256sum -c --quiet - || {
        echo "vendor-js: $1 does not match the checked $NAME $VERSION" >&2
        exit 1
    }
}

if [ "${1:-}" = "--check" ]; then
    check "$VENDOR/jsQR.js" "$JS_SHA256"
    check "$VENDOR/jsQR.LICENSE.txt" "$LICENSE_SHA256"
    echo "vendor-js: $NAME $VERSION in $VENDOR is the published one"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$NAME@$VERSION" >/dev/null)
check "$work/$NAME-$VERSION.tgz" "$TARBALL_SHA256"
tar -xzf "$work/$NAME-$VERSION.tgz" -C "$work" package/dist/jsQR.js package/LICENSE
check "$work/package/dist/jsQR.js" "$JS_SHA256"
check "$work/package/LICENSE" "$LICENSE_SHA256"
mkdir -p "$VENDOR"
cp "$work/package/dist/jsQR.js" "$VENDOR/jsQR.js"
cp "$work/package/LICENSE" "$VENDOR/jsQR.LICENSE.txt"
echo "vendor-js: $NAME $VERSION copied to $VENDOR"
