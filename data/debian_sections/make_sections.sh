#!/usr/bin/env bash
# Builds the text classification set models/text_cnn and models/text_bow
# train on, from this machine's apt package lists (every Debian machine has
# them after `apt-get update`; no network is needed when they are there):
#   data/debian_sections/debian_sections_{train,val,test}_lmdb, vocab.txt, labels.txt
# Each record is one package's short description (16 token ids) labelled with
# its Section. Outputs already there are kept unless --force.
#
#   data/debian_sections/make_sections.sh [--force] [CONVERTER FLAGS...]
#
# Environment: MAKE_DEBIAN_SECTIONS, the converter (default
# build/data/debian_sections/make_debian_sections); PACKAGES_LISTS, the lists
# to read (default every /var/lib/apt/lists/*_binary-*_Packages*, in name
# order; compressed lists are opened with apt-helper).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
conv="${MAKE_DEBIAN_SECTIONS:-$repo/build/data/debian_sections/make_debian_sections}"

force=0
flags=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) flags+=("$arg") ;;
    *) echo "make_sections.sh: unknown argument '$arg' (--force and the converter's --flags are accepted)" >&2; exit 1 ;;
  esac
done

if [ ! -x "$conv" ]; then
  echo "make_sections.sh: no converter at '$conv'; build it first (cmake --build build --target make_debian_sections)" >&2
  exit 1
fi

outputs=(debian_sections_train_lmdb debian_sections_val_lmdb debian_sections_test_lmdb vocab.txt labels.txt)
if [ -e "$here/debian_sections_train_lmdb" ] && [ "$force" -eq 0 ]; then
  echo "make_sections.sh: $here/debian_sections_train_lmdb exists; kept (--force re-creates the set)"
  exit 0
fi

if [ -n "${PACKAGES_LISTS:-}" ]; then
  read -r -a lists <<< "$PACKAGES_LISTS"
else
  shopt -s nullglob
  lists=(/var/lib/apt/lists/*_binary-*_Packages*)
  shopt -u nullglob
  if [ ${#lists[@]} -eq 0 ]; then
    echo "make_sections.sh: no package lists in /var/lib/apt/lists; run 'apt-get update' first" >&2
    exit 1
  fi
fi

# The lists are often lz4/xz/gz-compressed; apt-helper reads every kind apt writes.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
plain=()
for i in "${!lists[@]}"; do
  f="${lists[$i]}"
  out="$tmp/$i.Packages"
  if ! /usr/lib/apt/apt-helper cat-file "$f" > "$out"; then
    echo "make_sections.sh: cannot read the package list '$f'" >&2
    exit 1
  fi
  plain+=("$out")
  echo "make_sections.sh: reading $f"
done

# Written into a scratch folder, then moved: an interrupted run leaves nothing a later run would keep.
partial="$here/sections.partial"
rm -rf "$partial"
"$conv" "$partial" "${plain[@]}" "${flags[@]}"
for o in "${outputs[@]}"; do rm -rf "${here:?}/$o"; done
# (--val_percent=0 writes no validation set.)
for o in "${outputs[@]}"; do if [ -e "$partial/$o" ]; then mv "$partial/$o" "$here/$o"; fi; done
rmdir "$partial"
