#!/usr/bin/env bash
# Installs ingest like a packaged tool, under a prefix (default ~/.local):
#   PREFIX/bin/ingest                                   a release build
#   PREFIX/share/ingest/{profiles,themes}/              dev/production templates, themes
#   PREFIX/share/man/man1/ingest*.1                     the manual, from the command definitions
#   PREFIX/share/bash-completion/completions/ingest     shell completions, from the same
#   PREFIX/share/zsh/site-functions/_ingest
#   PREFIX/share/fish/vendor_completions.d/ingest.fish
# The local sandbox profile and the default theme are built into the binary.
#
#   scripts/install.sh [--prefix DIR] [--configuration release|debug] [--no-build]
#
# --no-build installs what the last build of that configuration left (the manual only if the
# generate-manual plugin ran for it).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${HOME}/.local"
configuration=release
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --configuration|-c) configuration="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$configuration" in release|debug) ;; *) echo "install.sh: --configuration is release or debug" >&2; exit 2 ;; esac

manual_dir=".build/plugins/GenerateManual/outputs/ingest"
if [ "$build" = 1 ]; then
    scripts/setup.sh
    swift build -c "$configuration" --product ingest
    # swift-argument-parser's plugin renders the manual from the same command definitions
    # the binary parses with (it builds the package's executables in that configuration).
    if ! swift package plugin generate-manual --configuration "$configuration" --multi-page >/dev/null; then
        echo "install.sh: warning: the generate-manual plugin failed; installing without a manual" >&2
    fi
fi

binary=".build/${configuration}/ingest"
[ -x "$binary" ] || { echo "install.sh: $binary is missing: build first (or drop --no-build)" >&2; exit 1; }

install -d "$prefix/bin" "$prefix/share/ingest/profiles" "$prefix/share/ingest/themes" \
    "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$binary" "$prefix/bin/ingest"
# The templates only: the local profile is built in, and installed profiles are never edited
# in place (`ingest init` copies them to ~/.config/ingest/profiles).
install -m 644 profiles/dev.toml profiles/production.toml "$prefix/share/ingest/profiles/"
install -m 644 themes/*.toml "$prefix/share/ingest/themes/"

"$prefix/bin/ingest" --generate-completion-script bash > "$prefix/share/bash-completion/completions/ingest"
"$prefix/bin/ingest" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_ingest"
"$prefix/bin/ingest" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/ingest.fish"

if ls "$manual_dir"/*.1 >/dev/null 2>&1; then
    install -m 644 "$manual_dir"/*.1 "$prefix/share/man/man1/"
else
    echo "install.sh: note: no manual in $manual_dir (run without --no-build to make it)" >&2
fi

echo "installed ingest $("$prefix/bin/ingest" --version) in $prefix"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "add $prefix/bin to PATH (and $prefix/share/man to MANPATH if man does not find ingest)" ;;
esac
echo "next: ingest init   # dev and production profile templates in \${XDG_CONFIG_HOME:-~/.config}/ingest/profiles"
