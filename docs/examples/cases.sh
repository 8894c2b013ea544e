#!/usr/bin/env bash
# Replays the examples of docs/cases.md, in order, against a fresh server and writes one Markdown fragment per
# example (command, status, jq-indented answer) to $1 (default ./cases-examples). The ids in the doc assume an empty
# store, e.g.:
#   QUELL_ADMIN_PASSWORD=docs-admin-password QUELL_BOOTSTRAP_API_KEY=qk_docs_example_key \
#     dotnet run --project src/Quell.Server -- serve --data "$(mktemp -d)" --urls http://127.0.0.1:5090
# Needs curl and jq.
set -euo pipefail
export QUELL=${QUELL:-http://127.0.0.1:5090}
export KEY=${KEY:-qk_docs_example_key}
OUT=${1:-cases-examples}
rm -rf "$OUT"; mkdir -p "$OUT"
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

# ex NAME COMMAND: runs COMMAND (a curl writing the body to stdout), records it and its status + body.
ex() {
  local name=$1 cmd=$2
  local body status
  status=$(eval "$cmd -o \"\$BODY\" -w '%{http_code}'")
  body=$(cat "$BODY")
  {
    printf '```sh\n%s\n```\n\n' "$cmd"
    printf '```\nHTTP %s\n' "$status"
    if [ -n "$body" ]; then printf '%s' "$body" | jq .; fi
    printf '```\n'
  } > "$OUT/$name.md"
  printf '%s' "$body" > "$OUT/$name.json"
  echo "$name $status" >&2
}
v() { jq -r "$2" "$OUT/$1.json"; }
H='-H "Authorization: Bearer $KEY" -H "Content-Type: application/json"'

# Setup (not shown): an analyst to assign work to.
curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" $QUELL/api/v1/users \
  -d '{"username":"alice","role":"analyst","password":"alice-password-123"}'

ex template-create "curl -s $H \$QUELL/api/v1/case-templates -d '{
  \"name\": \"Phishing\", \"titlePrefix\": \"[PHISH]\", \"description\": \"A user reported a suspicious mail.\",
  \"severity\": 2, \"tlp\": \"AMBER\", \"pap\": \"AMBER\", \"tags\": [\"phishing\"],
  \"tasks\": [{\"title\": \"Check sender authentication (SPF, DKIM, DMARC)\", \"group\": \"triage\"},
            {\"title\": \"Analyse URLs and attachments\", \"group\": \"triage\"},
            {\"title\": \"Purge the mail from every mailbox\", \"group\": \"containment\"}],
  \"customFields\": {\"reportedBy\": null}}'"
T=$(v template-create .id)
ex template-duplicate "curl -s $H \$QUELL/api/v1/case-templates -d '{\"name\": \"Phishing\"}'"
ex template-list "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/case-templates"
ex template-get "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/case-templates/$T"
ex template-patch "curl -s -X PATCH $H \$QUELL/api/v1/case-templates/$T -d '{\"severity\": 3, \"tags\": [\"phishing\", \"mail\"]}'"

ex case-create "curl -s $H \$QUELL/api/v1/cases -d '{
  \"title\": \"Invoice lure sent to finance\", \"caseTemplate\": \"Phishing\", \"assignee\": \"alice\",
  \"customFields\": {\"reportedBy\": \"bob@example.org\"},
  \"firstEvidenceAt\": \"2030-03-01T08:12:00Z\", \"detectedAt\": \"2030-03-01T09:30:00Z\",
  \"observables\": [{\"dataType\": \"mail\", \"data\": \"billing@invoices-example.net\", \"tags\": [\"sender\"]}]}'"
C=$(v case-create .id); N=$(v case-create .number)

curl -s -o "$OUT/alert.json" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" $QUELL/api/v1/alerts -d '{
  "type":"mail","source":"mailbox","sourceRef":"report-4711","title":"Reported: Your invoice is overdue","severity":2,
  "date":"2030-03-01T09:05:00Z","firstEvidenceAt":"2030-03-01T07:55:00Z",
  "observables":[{"dataType":"url","data":"https://invoices-example.net/pay"},{"dataType":"mail","data":"billing@invoices-example.net"}]}'
A=$(jq -r .id "$OUT/alert.json")
ex alert-promote "curl -s $H \$QUELL/api/v1/alerts/$A/case -d '{\"caseTemplate\": \"Phishing\"}'"
C2=$(v alert-promote .id)

ex case-list "curl -s -H \"Authorization: Bearer \$KEY\" \"\$QUELL/api/v1/cases?status=new,in-progress&tag=phishing&limit=1\""
ex case-by-number "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/number/$N"

ex task-create "curl -s $H \$QUELL/api/v1/cases/$C/tasks -d '{
  \"title\": \"Ask finance who clicked\", \"group\": \"scoping\", \"description\": \"Check the **proxy** logs too.\",
  \"assignee\": \"alice\", \"dueAt\": \"2030-03-01T17:00:00Z\"}'"
K=$(v task-create .id)
ex task-patch "curl -s -X PATCH $H \$QUELL/api/v1/tasks/$K -d '{\"status\": \"in-progress\"}'"
ex task-patch-invalid "curl -s -X PATCH $H \$QUELL/api/v1/tasks/$K -d '{\"status\": \"done\", \"assignee\": null}'"
ex task-log-create "curl -s $H \$QUELL/api/v1/tasks/$K/logs -d '{\"message\": \"Two users clicked: \`carol\`, \`dave\`. Passwords reset.\"}'"
ex task-log-list "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/tasks/$K/logs"
curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" $QUELL/api/v1/case-templates -d '{
  "name":"Account compromise","tasks":[{"title":"Reset the password and revoke sessions","group":"containment"},{"title":"Review sign-ins of the last 30 days","group":"scoping"}]}'
C3=$(curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" $QUELL/api/v1/cases -d '{"title":"Mailbox rule forwards to an external address","severity":3}' | jq -r .id)
ex tasks-from-template "curl -s $H \$QUELL/api/v1/cases/$C3/tasks/from-template -d '{\"template\": \"Account compromise\"}'"

ex comment-create "curl -s $H \$QUELL/api/v1/cases/$C/comments -d '{\"message\": \"Same lure hit *sales* last month, see case #2.\"}'"
ex comment-list "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C/comments"

ex observables-add "curl -s $H \$QUELL/api/v1/cases/$C/observables -d '[
  {\"dataType\": \"mail\", \"data\": \"Billing@Invoices-Example.net\", \"ioc\": true},
  {\"dataType\": \"url\", \"data\": \"https://invoices-example.net/pay\", \"tags\": [\"credential-harvest\"]},
  {\"dataType\": \"ip\", \"data\": \"198.51.100.23\"}]'"
O=$(v observables-add '.added[] | select(.dataType=="ip") | .id')
ex observables-invalid "curl -s $H \$QUELL/api/v1/cases/$C/observables -d '[{\"dataType\": \"ip\", \"data\": \"300.1.1.1\"}, {\"dataType\": \"colour\", \"data\": \"red\"}]'"
ex observable-patch "curl -s -X PATCH $H \$QUELL/api/v1/cases/$C/observables/$O -d '{\"sighted\": true, \"message\": \"Seen in proxy logs\"}'"
ex observable-delete "curl -s -X DELETE -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C/observables/$O"

ex case-patch "curl -s -X PATCH $H \$QUELL/api/v1/cases/$C -d '{\"status\": \"in-progress\", \"containedAt\": \"2030-03-01T11:00:00Z\", \"version\": 1}'"
ex case-patch-stale "curl -s -X PATCH $H \$QUELL/api/v1/cases/$C -d '{\"severity\": 4, \"version\": 1}'"
ex case-resolve-no-resolution "curl -s -X PATCH $H \$QUELL/api/v1/cases/$C2 -d '{\"status\": \"resolved\"}'"

ex case-merge "curl -s -X POST -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C/merge/$C2"
ex case-merge-again "curl -s -X POST -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C/merge/$C2"
ex case-get-merged "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C2"
ex case-get "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C"
ex timeline "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/$C/timeline"
ex not-found "curl -s -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/cases/999/timeline"

curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" $QUELL/api/v1/case-templates -d '{"name":"Scratch"}'
S=$(curl -s -H "Authorization: Bearer $KEY" $QUELL/api/v1/case-templates | jq -r '.items[] | select(.name=="Scratch") | .id')
ex template-delete "curl -s -X DELETE -H \"Authorization: Bearer \$KEY\" \$QUELL/api/v1/case-templates/$S"
