#!/bin/sh
# Live probes as the partner, by hand (docs/runbook.md, "Test before go-live"): the requests the
# bot's verification makes (src/jobs/onboarding/verify-probes.ts). It needs the bot role's credentials, since
# only the bot role may assume the verifier: the runbook runs it in a one-off ECS task with the bot
# role as task role. It uses the aws CLI and nothing else. Settings, from the environment:
#   BUCKET, PARTNER_ID, TRANSFER_SERVER_ID, VERIFIER_ROLE_ARN, TRANSFER_ROLE_ARN   required
#   OUTBOUND_PREFIX      default outbound/
#   PARTNER_ROLE_ARN     set for a partner with an AWS account (its ExternalId is read from the role)
#   SFTP_USER            yes (default): probe as the SFTP session, with the user's deployed policy
# Prints PASS or FAIL per probe; exits 0 when all pass, 1 when any fails, 2 when it cannot start.
set -uf
for v in BUCKET PARTNER_ID TRANSFER_SERVER_ID VERIFIER_ROLE_ARN TRANSFER_ROLE_ARN; do
  eval "[ -n \"\${$v:-}\" ]" || { echo "manual-probes: $v is not set" >&2; exit 2; }
done
OUTBOUND_PREFIX=${OUTBOUND_PREFIX:-outbound/}
SESSION="partnergate-verify-$PARTNER_ID"
HOME_PREFIX="partners/$PARTNER_ID/"
CANARY=partners/-canary/canary.txt
NL='
'
failed=0

# run_as "KEY SECRET TOKEN" command...   ("" runs with our own credentials)
run_as() {
  creds=$1; shift
  [ -z "$creds" ] && { "$@"; return; }
  set -- $creds "$@"
  ak=$1 sk=$2 st=$3; shift 3
  AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$st "$@"
}

# assume CREDS ROLE_ARN [assume-role options] -> prints "KEY SECRET TOKEN"
assume() {
  c=$1 r=$2; shift 2
  run_as "$c" aws sts assume-role --role-arn "$r" --role-session-name "$SESSION" "$@" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text
}

# ask CREDS command... -> allowed | denied | absent | error: <first line>
ask() {
  if out=$(run_as "$@" 2>&1 >/dev/null); then echo allowed; return; fi
  case $out in
    *AccessDenied*|*Forbidden*|*"(403)"*) echo denied ;;
    *NoSuchKey*|*"Not Found"*|*"(404)"*) echo absent ;;
    *) echo "error: ${out%%"$NL"*}" ;;
  esac
}

# check EXPECTED LABEL ANSWER
check() {
  if [ "$3" = "$1" ]; then echo "PASS  $2 ($3)"; else echo "FAIL  $2 ($3; expected $1)"; failed=$((failed + 1)); fi
}

list() { ask "$1" aws s3api list-objects-v2 --bucket "$BUCKET" ${2:+--prefix "$2"} --max-items 1; }
read_key() { ask "$1" aws s3api get-object --bucket "$BUCKET" --key "$2" /dev/null; }

probe_session() {
  as=$1 c=$2
  check allowed "as the $as: list $HOME_PREFIX" "$(list "$c" "$HOME_PREFIX")"
  check allowed "as the $as: read ${HOME_PREFIX}.partnergate" "$(read_key "$c" "${HOME_PREFIX}.partnergate")"
  check denied "as the $as: list partners/-canary/" "$(list "$c" partners/-canary/)"
  check denied "as the $as: read $CANARY" "$(read_key "$c" "$CANARY")"
  check denied "as the $as: list partners/$PARTNER_ID (no slash)" "$(list "$c" "partners/$PARTNER_ID")"
  check denied "as the $as: list $OUTBOUND_PREFIX" "$(list "$c" "$OUTBOUND_PREFIX")"
  check denied "as the $as: list the bucket root" "$(list "$c" "")"
}

verifier=$(assume "" "$VERIFIER_ROLE_ARN") || { echo "FAIL  assume the verifier role as the bot"; exit 1; }
check allowed "canary $CANARY exists (read as the verifier)" "$(read_key "$verifier" "$CANARY")"

if [ -n "${PARTNER_ROLE_ARN:-}" ]; then
  external_id=$(aws iam get-role --role-name "${PARTNER_ROLE_ARN##*/}" --output text --query \
    "Role.AssumeRolePolicyDocument.Statement[?Sid=='PartnerAccountWithExternalId'] | [0].Condition.StringEquals.\"sts:ExternalId\"")
  if role=$(assume "$verifier" "$PARTNER_ROLE_ARN" --external-id "$external_id"); then
    probe_session "partner role" "$role"
  else
    check allowed "as the partner role: assume it with its ExternalId" denied
  fi
fi

if [ "${SFTP_USER:-yes}" = yes ]; then
  policy=$(aws transfer describe-user --server-id "$TRANSFER_SERVER_ID" --user-name "$PARTNER_ID" --query User.Policy --output text)
  if session=$(assume "$verifier" "$TRANSFER_ROLE_ARN" --policy "$policy"); then
    probe_session "SFTP session" "$session"
  else
    check allowed "as the SFTP session: assume the Transfer role with the user's session policy" denied
  fi
fi

echo "$failed probe(s) failed"
[ "$failed" -eq 0 ]
