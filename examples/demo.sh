#!/usr/bin/env bash
# A whole `mapper sync` on the example estate, with no accounts or servers to set up:
# starts the Miradore emulator (HTTPS, the 60 devices of examples/estate) and the MMS emulator
# (its state in a SQLite file), authorizes and configures the connector as an MMS admin would,
# prints the operations the sync will send (a dry run), runs the sync, and lists the assets MMS
# now holds. Everything listens on 127.0.0.1 only.
#
#   examples/demo.sh            # keeps the MMS database in target/demo/ to look at afterwards
#   MAPPER_DEMO_DIR=DIR examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work="${MAPPER_DEMO_DIR:-target/demo}"
rm -rf "$work" && mkdir -p "$work"
cargo build --quiet --workspace --bins
bin=target/debug

# Secrets live in files (never on a command line): a Miradore API key with the characters real
# keys have, and the connector key MMS identifies mapper by.
printf '%s\n' 'demo-1_Aa{Df},$!]x' > "$work/miradore.key"
printf '%s\n' 'demo-connector-key-0123456789' > "$work/connector.key"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start() { # start NAME COMMAND...: runs an emulator in the background, waits for the URL line it prints
    "${@:2}" > "$work/$1.out" 2> "$work/$1.log" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/$1.out" ] && return; sleep 0.1; done
    echo "the $1 emulator did not start; see $work/$1.log" >&2
    exit 1
}

start miradore "$bin/mapper-emulators" miradore serve --site acme --api-key-file "$work/miradore.key" \
    --devices 60 --seed 17 --mean-applications 12 --tls --cert-out "$work/miradore.pem"
miradore_url=$(sed -n 's/^url=\([^ ]*\).*/\1/p' "$work/miradore.out")

"$bin/mapper-emulators" mms admin --db "$work/mms.db" seed --directory examples/estate/directory.json > /dev/null
"$bin/mapper-emulators" mms admin --db "$work/mms.db" register mapper-miradore --key-file "$work/connector.key" --active > /dev/null
"$bin/mapper-emulators" mms admin --db "$work/mms.db" configure mapper-miradore --miradore-site acme \
    --miradore-api-key-file "$work/miradore.key" --log-severity info > /dev/null
start mms "$bin/mapper-emulators" mms serve --db "$work/mms.db" --tls --cert-out "$work/mms.pem"
mms_url=$(head -n 1 "$work/mms.out")

echo "Miradore emulator: $miradore_url/acme    MMS emulator: $mms_url"
echo
connection=(--mms-url "$mms_url" --connector-key-file "$work/connector.key" --mms-trust-cert "$work/mms.pem"
    --miradore-url "$miradore_url" --trust-cert "$work/miradore.pem")
echo "== What the sync will send (mapper dry-run: reads Miradore and MMS, writes nothing) =="
"$bin/mapper" dry-run --rules rules/default.yaml "${connection[@]}"
echo
echo "== The sync =="
status=0
"$bin/mapper" sync --rules rules/default.yaml "${connection[@]}" \
    --report "$work/report.json" --log-file "$work/mapper.log" || status=$?
echo
echo "Assets in MMS now:"
"$bin/mapper-emulators" mms admin --db "$work/mms.db" assets > "$work/assets.txt"
head -n 20 "$work/assets.txt"
echo "... ($(($(wc -l < "$work/assets.txt") - 1)) assets)"
echo
echo "The run report is $work/report.json. Look at MMS again with:"
echo "  $bin/mapper-emulators mms admin --db $work/mms.db assets"
echo "  $bin/mapper-emulators mms admin --db $work/mms.db runs"
exit "$status"
