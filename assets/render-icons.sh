#!/bin/sh
# Re-render Tillvault's icons from the hand-written SVG sources in this folder.
# Needs rsvg-convert, icotool and python3
# (Debian/Ubuntu: apt-get install librsvg2-bin icoutils python3).
# Run from anywhere: sh assets/render-icons.sh
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

png() { # png SOURCE.svg SIZE OUTPUT.png
  rsvg-convert --width "$2" --height "$2" --keep-aspect-ratio "$1" --output "$3"
}

# App icon master PNG, and a 256 px copy (e.g. for BrowserWindow/about box at runtime).
png icon.svg 1024 icon.png
png icon.svg 256 icon-256.png

# macOS app icon. Shipping a ready .icns means electron-builder does not need to
# download its icon conversion toolset.
for s in 64 128 256 512 1024; do png icon.svg "$s" "$tmp/m$s.png"; done
png icon-16.svg 16 "$tmp/m16.png"
png icon-small.svg 32 "$tmp/m32.png"
python3 make-icns.py icon.icns 16="$tmp/m16.png" 32="$tmp/m32.png" 64="$tmp/m64.png" \
  128="$tmp/m128.png" 256="$tmp/m256.png" 512="$tmp/m512.png" 1024="$tmp/m1024.png"

# Linux icon set (hicolor theme sizes), picked up through linux.icon: icons.
mkdir -p icons
rm -f icons/*.png
png icon-16.svg 16 icons/16x16.png
png icon-small.svg 24 icons/24x24.png
png icon-small.svg 32 icons/32x32.png
for s in 48 64 128 256 512; do png icon.svg "$s" "icons/${s}x${s}.png"; done

# Tray icon for Windows and Linux (coloured tile), 1x and 2x.
png icon-small.svg 32 tray.png
png icon-small.svg 64 tray@2x.png

# macOS menu-bar template images (black on transparent): 16 pt = 16 px at 1x, 32 px at 2x.
png tray-template-16.svg 16 trayTemplate.png
png tray-template.svg 32 trayTemplate@2x.png
# Amber and red badges of the status colour; on macOS a mark, not a colour, tells them apart.
png tray-warn.svg 32 tray-warn.png
png tray-warn.svg 64 tray-warn@2x.png
png tray-bad.svg 32 tray-bad.png
png tray-bad.svg 64 tray-bad@2x.png
png tray-template-warn.svg 16 trayWarnTemplate.png
png tray-template-warn.svg 32 trayWarnTemplate@2x.png
png tray-template-bad.svg 16 trayBadTemplate.png
png tray-template-bad.svg 32 trayBadTemplate@2x.png

# Windows app icon: hand-hinted artwork for the small sizes, the full design for the large ones.
png icon-16.svg 16 "$tmp/16.png"
png icon-small.svg 24 "$tmp/24.png"
png icon-small.svg 32 "$tmp/32.png"
for s in 48 64 128 256; do png icon.svg "$s" "$tmp/$s.png"; done
icotool --create --output=icon.ico \
  "$tmp/16.png" "$tmp/24.png" "$tmp/32.png" "$tmp/48.png" "$tmp/64.png" "$tmp/128.png" \
  --raw="$tmp/256.png"

# Windows tray icon (the shell picks the size for the current DPI).
png icon-16.svg 16 "$tmp/t16.png"
for s in 20 24 32 40 48 64; do png icon-small.svg "$s" "$tmp/t$s.png"; done
icotool --create --output=tray.ico \
  "$tmp/t16.png" "$tmp/t20.png" "$tmp/t24.png" "$tmp/t32.png" "$tmp/t40.png" "$tmp/t48.png" "$tmp/t64.png"

echo "icons rendered in $(pwd)"
