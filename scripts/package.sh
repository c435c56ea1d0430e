#!/usr/bin/env bash
# Packages the Lambda zips and the CloudFormation template into .serverless/ for stage ci, offline:
# no AWS credentials, profile or region reach osls, so packaging can never depend on (or touch) an account.
set -euo pipefail
cd "$(dirname "$0")/.."
while read -r name; do unset "$name"; done < <(compgen -e | grep '^AWS_' || true)
export SLS_TELEMETRY_DISABLED=1
exec node_modules/.bin/osls package --stage ci "$@"
