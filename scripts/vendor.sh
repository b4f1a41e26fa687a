#!/usr/bin/env bash
# Re-fetch the vendored front-end libraries at their pinned versions with `npm pack` (npm registry only)
# and copy the built browser files and licences into the tree. No CDN at run time: the pages load
# these files from /static/vendor/. axe-core is for the browser tests only (tests/vendor/).
#
#   scripts/vendor.sh          fetch and copy every package below
#   scripts/vendor.sh --check  fetch and compare with the files in the tree (exit 1 if any differs)
set -euo pipefail
cd "$(dirname "$0")/.."

# package@version  destination  files (relative to the package folder of the tarball)
PACKAGES=(
  "@zazuko/yasgui@4.6.2|src/kg/web/static/vendor/yasgui|build/yasgui.min.js build/yasgui.min.css"
  "cytoscape@3.35.0|src/kg/web/static/vendor/cytoscape|dist/cytoscape.min.js LICENSE"
  "axe-core@4.14.1|tests/vendor/axe-core|axe.min.js LICENSE"
)

check=0
[[ "${1:-}" == "--check" ]] && check=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec dest files <<<"$entry"
  tarball=$(cd "$work" && npm pack --silent "$spec")
  mkdir -p "$work/${tarball%.tgz}"
  tar -xzf "$work/$tarball" -C "$work/${tarball%.tgz}"
  pkg="$work/${tarball%.tgz}/package"
  mkdir -p "$dest"
  for file in $files; do
    name=$(basename "$file")
    if [[ $check == 1 ]]; then
      if ! cmp -s "$pkg/$file" "$dest/$name"; then echo "differs: $dest/$name (from $spec)"; status=1; fi
    else
      cp "$pkg/$file" "$dest/$name"
    fi
  done
  if [[ $check == 0 ]]; then
    echo "$spec" > "$dest/VERSION"
    cp "$pkg/package.json" "$dest/package.json"  # name, version, declared licence, author
    if [[ ! -e "$pkg/LICENSE" ]]; then
      # The tarball ships no licence file (@zazuko/yasgui): record the licence its package.json declares.
      license=$(node -p "require('$pkg/package.json').license")
      author=$(node -p "JSON.stringify(require('$pkg/package.json').author || '')")
      { echo "$spec is published on npm under the licence its package.json declares: $license."
        echo "Author (package.json): $author. The npm tarball ships no licence file."
        [[ $license == MIT ]] && { echo; cat scripts/MIT-LICENSE.txt; }
      } > "$dest/LICENSE"
    fi
  fi
  echo "$spec -> $dest"
done
exit $status
