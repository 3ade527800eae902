# Sourced by scripts/test.sh: chooses where SwiftPM builds. A fresh clone (no .build of its own)
# builds in one shared directory outside the clone, per Swift toolchain, so the dependencies'
# release build products (about 10 minutes on 2 cores) are reused by every later clone on the
# same machine, as a CI cache would; the project's own modules are always rebuilt, because
# their sources' paths differ from clone to clone. SwiftPM still re-resolves and rebuilds any
# dependency whose version changed. A clone that has its own .build keeps using it, and so does
# a run while another holds the shared directory (flock), or with ZOETROPE_BUILD_CACHE=off.
#
# Sets: swift_scratch (the extra `swift build`/`swift test` arguments, maybe none),
#       shared_build_directory (the directory in use, or empty), and exports
#       ZOETROPE_SWIFT_SCRATCH and ZOETROPE_BIN for the scripts the tests start.
swift_scratch=()
shared_build_directory=""
cache_root="${ZOETROPE_BUILD_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/zoetrope}"
if [ "$cache_root" != off ] && [ ! -e .build ] && command -v flock >/dev/null; then
    toolchain="$(swift --version 2>/dev/null | sha256sum | cut -c1-12)"
    candidate="$cache_root/swiftpm-build-$toolchain"
    mkdir -p "$candidate"
    exec 9>"$candidate.lock"
    if flock -n 9; then
        shared_build_directory="$candidate"
        swift_scratch=(--scratch-path "$candidate")
        echo "building in the shared build directory $candidate (ZOETROPE_BUILD_CACHE=off to build in .build)"
    else
        exec 9>&-
        echo "the shared build directory is in use by another run; building in .build"
    fi
fi
export ZOETROPE_SWIFT_SCRATCH="$shared_build_directory"
export ZOETROPE_BIN="${shared_build_directory:-$PWD/.build}/release/zoetrope"
