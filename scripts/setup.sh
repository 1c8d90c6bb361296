#!/usr/bin/env bash
# setup.sh - make this checkout ready to use on Debian 12: install the Debian
# packages taskmap needs (only those missing; through sudo when not root),
# then configure (first time) and build taskmap in ./build.
# Extra arguments are meson options, e.g. scripts/setup.sh -Dblas=gslcblas.
# With TASKMAP_SETUP_TESTS=1 it also installs what only the tests use
# (clang for the sanitizer build, chromium to look at the HTML report).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	gcc pkg-config meson ninja-build           # build
	libgsl-dev libopenblas-dev                 # numerics, CBLAS
	libsqlite3-dev sqlite3                     # results database (and its shell)
	libjansson-dev nettle-dev                  # JSON, SHA-256
	zlib1g-dev liblzma-dev libbz2-dev xz-utils bzip2  # compressed datasets
	check valgrind                             # tests
	gnuplot-nox                                # plots (run as a program)
	libopenmpi-dev openmpi-bin                 # mpirun -np N taskmap train (optional: -Dmpi)
)
if [ "${TASKMAP_SETUP_TESTS:-0}" = 1 ]; then
	packages+=(clang libclang-rt-14-dev chromium python3-numpy)
fi

missing=()
for package in "${packages[@]}"; do
	case "$package" in \#*) continue ;; esac
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	echo "setup: installing ${missing[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f build/build.ninja ]; then
	meson setup build "$@" >&2
elif [ "$#" -gt 0 ]; then
	meson configure build "$@" >&2
fi
ninja -C build >&2
