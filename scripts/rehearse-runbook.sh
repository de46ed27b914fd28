#!/usr/bin/env bash
# Rehearse docs/runbook.md: its `sh` blocks, in order, in one bash — what a block sets, the next one
# has, as in the operator's own shell — against a sandbox (docs/runbook.md "Rehearsing this runbook").
#
#   scripts/rehearse-runbook.sh --list                   the blocks: number, section, run or skip, first line
#   scripts/rehearse-runbook.sh --print                  the script --run runs
#   scripts/rehearse-runbook.sh --check                  every block, and the whole, through bash -n (no AWS)
#   scripts/rehearse-runbook.sh --run                    run it: needs AWS_ENDPOINT_URL (a local emulator)
#                                                        or --account ID (a sandbox account; checked)
# Selection and inputs (with --print, --check, --run):
#   --section NAME    only the blocks under this `##` heading (repeatable); "Setting up your shell" always
#   --block N         only block N (repeatable; numbers as --list shows them)
#   --set NAME=VALUE  replaces the runbook's own `export NAME=…` line (repeatable)
#   --account ID      the sandbox account --run may run in
#   --runbook FILE    another runbook (default: docs/runbook.md of this repository)
# A block right after `<!-- rehearse: skip (why) -->` is printed as comments, not run. Exit codes:
# --check 1 when a block does not parse; --run 2 when it refuses to start, else bash's last status.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNBOOK="$ROOT/docs/runbook.md"
MODE=
ACCOUNT=
SECTIONS=
BLOCKS=
SETS=
FIRST_SECTION='Setting up your shell'

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --list|--print|--check|--run) MODE=${1#--} ;;
    --section) [ $# -ge 2 ] || usage; SECTIONS="$SECTIONS$2"$'\x1f'; shift ;;
    --block) [ $# -ge 2 ] || usage; case $2 in ''|*[!0-9]*) usage ;; esac; BLOCKS="$BLOCKS $2 "; shift ;;
    --set)
      [ $# -ge 2 ] || usage
      case $2 in [A-Za-z_]*=*) ;; *) echo "rehearse-runbook: --set wants NAME=VALUE, got $2" >&2; exit 2 ;; esac
      SETS="$SETS${2%%=*}"$'\x1f'"$(printf '%q' "${2#*=}")"$'\x1e'; shift ;;
    --account) [ $# -ge 2 ] || usage; ACCOUNT=$2; shift ;;
    --runbook) [ $# -ge 2 ] || usage; RUNBOOK=$2; shift ;;
    -h|--help) usage ;;
    *) echo "rehearse-runbook: unknown argument $1" >&2; usage ;;
  esac
  shift
done
[ -n "$MODE" ] || usage
[ -r "$RUNBOOK" ] || { echo "rehearse-runbook: cannot read $RUNBOOK" >&2; exit 2; }

# The runbook's sh blocks as records: "@@ n section subsection skip-reason selected" (fields apart by \x1f),
# the block's lines (its fence's indentation removed), then "@@end".
blocks() {
  # Through the environment: awk -v would read backslashes (printf %q quoting) as escapes.
  SECTIONS=$SECTIONS BLOCKS=$BLOCKS SETS=$SETS FIRST=$FIRST_SECTION awk '
    function selected(n, section) {
      if (blocks != "") return index(blocks, " " n " ") > 0
      if (sections == "" || section == first) return 1
      return index("\037" sections, "\037" section "\037") > 0
    }
    BEGIN {
      sections = ENVIRON["SECTIONS"]; blocks = ENVIRON["BLOCKS"]; sets = ENVIRON["SETS"]; first = ENVIRON["FIRST"]
      nsets = split(sets, pairs, "\036")
      for (i = 1; i <= nsets; i++) if (pairs[i] != "") { split(pairs[i], kv, "\037"); setv[kv[1]] = kv[2] }
    }
    !inblock && /^## / { section = substr($0, 4); subsec = ""; pending = ""; next }
    !inblock && /^### / { subsec = substr($0, 5); pending = ""; next }
    !inblock && /^[ \t]*<!-- rehearse: skip.*-->[ \t]*$/ {
      pending = $0; sub(/^[ \t]*<!-- rehearse: skip[ \t]*/, "", pending); sub(/[ \t]*-->[ \t]*$/, "", pending)
      sub(/^\(/, "", pending); sub(/\)$/, "", pending)
      if (pending == "") pending = "marked skip"
      next
    }
    !inblock && /^[ \t]*```/ {
      match($0, /^ */); indent = RLENGTH
      lang = $0; sub(/^[ \t]*```/, "", lang)
      inblock = 1; issh = (lang == "sh" || lang == "bash")
      if (issh) {
        n++
        sel = selected(n, section) ? "1" : "0"
        printf "@@ %d\037%s\037%s\037%s\037%s\n", n, section, subsec, pending, sel
      }
      pending = ""
      next
    }
    inblock && /^[ \t]*```[ \t]*$/ { if (issh) print "@@end"; inblock = 0; next }
    inblock && issh {
      line = $0
      for (i = 0; i < indent && substr(line, 1, 1) == " "; i++) line = substr(line, 2)
      if (match(line, /^[ \t]*export[ \t]+[A-Za-z_][A-Za-z_0-9]*=/)) {
        name = substr(line, 1, RLENGTH - 1); sub(/^[ \t]*export[ \t]+/, "", name)
        if (name in setv) { match(line, /^[ \t]*/); line = substr(line, 1, RLENGTH) "export " name "=" setv[name] "   # --set" }
      }
      print line
      next
    }
    !inblock && NF > 0 { pending = "" }
  ' "$RUNBOOK"
}

prologue() {
  cat <<EOF
#!/usr/bin/env bash
# The sh blocks of ${RUNBOOK#"$ROOT"/}, in order, by scripts/rehearse-runbook.sh: for a sandbox only.
cd $(printf '%q' "$ROOT") || exit 2
# Partner keys as people send them: one a line, no newline after the last (step 5's loop must still
# import it). Made once \$W exists, unless the rehearsal brought its own.
_rehearse_keys() {
  [ -n "\${W:-}" ] && [ -d "\$W" ] && [ ! -e "\$W/partner-keys.pub" ] && command -v ssh-keygen > /dev/null || return 0
  for i in 1 2 3; do ssh-keygen -q -t ed25519 -N '' -C "rehearsal-\$i" -f "\$W/rehearsal-key-\$i" || return 0; done
  { cat "\$W/rehearsal-key-1.pub" "\$W/rehearsal-key-2.pub"; tr -d '\n' < "\$W/rehearsal-key-3.pub"; } > "\$W/partner-keys.pub"
}
EOF
}

# sq TEXT: TEXT in single quotes, for the generated script.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# assemble: the script from the records on stdin (the selected blocks; skipped ones as comments).
assemble() {
  local header n section sub skip sel line
  prologue
  while IFS= read -r header; do
    [ "${header#@@ }" != "$header" ] || continue
    IFS=$'\x1f' read -r n section sub skip sel <<< "${header#@@ }"
    if [ "$sel" != 1 ]; then
      while IFS= read -r line && [ "$line" != @@end ]; do :; done
      continue
    fi
    printf '\n# ---- block %s: %s%s\n' "$n" "$section" "${sub:+ › $sub}"
    if [ -n "$skip" ]; then
      printf 'echo %s\n' "$(sq "# block $n: skipped ($skip)")"
      while IFS= read -r line && [ "$line" != @@end ]; do printf '# %s\n' "$line"; done
    else
      printf 'echo %s\n_rehearse_keys\n' "$(sq "# block $n: $section${sub:+ › $sub}")"
      while IFS= read -r line && [ "$line" != @@end ]; do printf '%s\n' "$line"; done
      printf 'echo "# block %s: exit $?"\n' "$n"
    fi
  done
}

case $MODE in
  list)
    blocks | while IFS= read -r header; do
      [ "${header#@@ }" != "$header" ] || continue
      IFS=$'\x1f' read -r n section sub skip sel <<< "${header#@@ }"
      IFS= read -r first
      [ "$first" = @@end ] && first=
      while [ "$first" != @@end ] && IFS= read -r line && [ "$line" != @@end ]; do :; done
      printf '%s\t%s%s\t%s\t%s\n' "$n" "$section" "${sub:+ › $sub}" "${skip:+skip ($skip)}" "$first" | sed 's/\t\t/\trun\t/'
    done
    ;;
  print)
    blocks | assemble
    ;;
  check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    status=0
    blocks > "$tmp/records" || exit 2
    grep -q '^@@ ' "$tmp/records" || { echo "rehearse-runbook: no sh block in $RUNBOOK" >&2; exit 1; }
    while IFS= read -r header; do
      [ "${header#@@ }" != "$header" ] || continue
      IFS=$'\x1f' read -r n section sub skip sel <<< "${header#@@ }"
      : > "$tmp/block"
      while IFS= read -r line && [ "$line" != @@end ]; do printf '%s\n' "$line" >> "$tmp/block"; done
      [ "$sel" = 1 ] || continue
      if ! err=$(bash -n "$tmp/block" 2>&1); then
        echo "block $n ($section${sub:+ › $sub}) does not parse: ${err//$tmp\/block/line}"
        status=1
      fi
    done < "$tmp/records"
    assemble < "$tmp/records" > "$tmp/script"
    bash -n "$tmp/script" || status=1
    [ "$status" -eq 0 ] && echo "every block parses ($(grep -c '^@@ ' "$tmp/records") blocks)"
    exit "$status"
    ;;
  run)
    if [ -n "$ACCOUNT" ]; then
      actual=$(aws sts get-caller-identity --query Account --output text 2>/dev/null) || actual=
      if [ "$actual" != "$ACCOUNT" ]; then
        echo "rehearse-runbook: the credentials are of account ${actual:-(none)}, not the sandbox $ACCOUNT: refusing" >&2
        exit 2
      fi
    elif [ -z "${AWS_ENDPOINT_URL:-}" ]; then
      echo "rehearse-runbook: --run needs AWS_ENDPOINT_URL (a local AWS API emulator) or --account <sandbox account id>" >&2
      exit 2
    fi
    tmp=$(mktemp)
    trap 'rm -f "$tmp"' EXIT
    blocks | assemble > "$tmp"
    bash "$tmp"
    ;;
esac
