# Sourced by scripts/smollm2-calibration.sh and scripts/calibration-scaling.sh, from the repository
# root with $scratch set: builds `compress` in release mode (sets $compress), makes a temporary
# folder $work that is removed on exit, and writes $work/calibration.txt, the calibration text:
# Debian's Apache-2.0, Artistic, GFDL-1.3, MPL-1.1, MPL-2.0, CC0-1.0 and BSD license texts (91 KB).
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
swift build -c release --scratch-path "$scratch" --product compress >&2
compress="$scratch/release/compress"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for license in Apache-2.0 Artistic GFDL-1.3 MPL-1.1 MPL-2.0 CC0-1.0 BSD; do
  cat "/usr/share/common-licenses/$license"; echo
done > "$work/calibration.txt"
