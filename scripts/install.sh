#!/bin/sh
# Installs a released rdsplan binary: no compiler, no Rust toolchain.
#
#   scripts/install.sh [VERSION] [--to DIR]
#
# VERSION is a release (0.1.0, or v0.1.0), or "latest" (the default). The binary goes to DIR
# (default ~/.local/bin). The archive for this OS and CPU is downloaded with the release's
# SHA256SUMS and checked against it before anything is installed: a mismatch, or a missing
# checksum, is an error and leaves DIR as it was.
#
# RDSPLAN_RELEASE_URL overrides where releases are downloaded from (default
# https://github.com/rdsplan/rdsplan/releases, laid out as GitHub lays out a release's assets:
# $RDSPLAN_RELEASE_URL/download/vVERSION/ASSET, and $RDSPLAN_RELEASE_URL/latest/download/ASSET).
set -eu

version=latest
dir="${HOME}/.local/bin"
while [ $# -gt 0 ]; do
    case "$1" in
        --to) [ $# -ge 2 ] || { echo "install.sh: --to needs a folder" >&2; exit 2; }
              dir="$2"; shift 2 ;;
        --to=*) dir="${1#--to=}"; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) version="${1#v}"; shift ;;
    esac
done

case "$(uname -s)" in
    Linux) os=unknown-linux-musl ;;
    Darwin) os=apple-darwin ;;
    *) echo "install.sh: no release binary for $(uname -s); build with: cargo install --path ." >&2
       exit 1 ;;
esac
case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) echo "install.sh: no release binary for $(uname -m); build with: cargo install --path ." >&2
       exit 1 ;;
esac
target="${arch}-${os}"
archive="rdsplan-${target}.tar.gz"

base="${RDSPLAN_RELEASE_URL:-https://github.com/rdsplan/rdsplan/releases}"
base="${base%/}"
if [ "$version" = latest ]; then
    url="${base}/latest/download"
else
    url="${base}/download/v${version}"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch() { # URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --output "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --output-document "$2" "$1"
    else
        echo "install.sh: needs curl or wget" >&2
        exit 1
    fi
}

echo "downloading rdsplan ${version} for ${target} from ${url}"
fetch "${url}/${archive}" "${tmp}/${archive}" || {
    echo "install.sh: could not download ${url}/${archive}" >&2
    exit 1
}
fetch "${url}/SHA256SUMS" "${tmp}/SHA256SUMS" || {
    echo "install.sh: could not download ${url}/SHA256SUMS" >&2
    exit 1
}

want="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "${tmp}/SHA256SUMS")"
if [ -z "$want" ]; then
    echo "install.sh: SHA256SUMS has no checksum for ${archive}; nothing installed" >&2
    exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
    have="$(sha256sum "${tmp}/${archive}" | awk '{ print $1 }')"
else
    have="$(shasum -a 256 "${tmp}/${archive}" | awk '{ print $1 }')"
fi
if [ "$have" != "$want" ]; then
    echo "install.sh: checksum mismatch for ${archive} (expected ${want}, got ${have}); nothing installed" >&2
    exit 1
fi

tar -xzf "${tmp}/${archive}" -C "$tmp"
bin="$(find "$tmp" -type f -name rdsplan | head -n 1)"
if [ -z "$bin" ]; then
    echo "install.sh: ${archive} holds no rdsplan binary; nothing installed" >&2
    exit 1
fi
mkdir -p "$dir"
# Copied next to the target and renamed over it, so that a running rdsplan is never half-written.
cp "$bin" "${dir}/.rdsplan.new"
chmod 0755 "${dir}/.rdsplan.new"
mv -f "${dir}/.rdsplan.new" "${dir}/rdsplan"
echo "installed ${dir}/rdsplan: $("${dir}/rdsplan" --version)"
case ":${PATH}:" in
    *":${dir}:"*) ;;
    *) echo "note: ${dir} is not on PATH; add it, or run ${dir}/rdsplan" ;;
esac
