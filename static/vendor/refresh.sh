#!/usr/bin/env bash
# Re-vendor the pinned front-end packages from the npm registry (see VERSIONS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent govuk-frontend@6.3.0 htmx.org@4.0.1 axe-core@4.11.0 >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
npm install --silent --no-save sass@1 >/dev/null
cp "$here/govuk-frontend/portal-govuk.scss" .
npx sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
  portal-govuk.scss "$here/govuk-frontend/govuk-frontend.min.css"
cp govuk-frontend-6.3.0/package/dist/govuk/govuk-frontend.min.js "$here/govuk-frontend/"
cp govuk-frontend-6.3.0/package/dist/govuk/assets/images/favicon.* "$here/govuk-frontend/assets/images/"
cp htmx.org-4.0.1/package/dist/htmx.min.js "$here/htmx/"
cp axe-core-4.11.0/package/axe.min.js "$here/../../tests/browser/vendor/"
echo "Vendored assets refreshed."
